// A snapshot's VM state as a ByteSource, read through that snapshot's own L1/L2 tables (docs
// format.md §8.4). QEMU stores the state at a guest offset just past the disk: block/qcow2.h
// qcow2_vm_state_offset = l1_vm_state_index << (cluster_bits + l2_bits), where the index is the
// number of L1 entries the disk needs. After `savevm` the active L1 table no longer maps that
// range, so only the snapshot's table finds it. Clusters are looked up on demand (L2 tables are
// cached, a few at a time), so a multi-GiB state is never held in memory; unallocated and zero
// clusters read as zeros; compressed clusters are inflated one at a time.

import type { ByteSource } from '../byte-source.ts';
import { DecodeError, quoted } from '../errors.ts';
import type { Qcow2Header, Qcow2Snapshot } from './header.ts';

/** Where one cluster of the VM state lives in the image file. */
export type ClusterMapping =
  | { kind: 'data'; host: number }
  | { kind: 'zero' }
  | { kind: 'unallocated' }
  | { kind: 'compressed'; host: number; size: number };

/** A run of the VM state stored contiguously in the image file. */
export interface Extent {
  /** Offset in the VM state. */
  offset: number;
  /** Offset in the image file. */
  host: number;
  length: number;
}

const OFFSET_MASK = 0x00fffffffffffe00n; // bits 9-55 of an L1 / standard L2 entry
const COMPRESSED = 1n << 62n;
const L2_CACHE_TABLES = 16;

export class Qcow2VmState implements ByteSource {
  readonly size: number;
  /** Guest offset of the VM state's first byte. */
  readonly base: number;
  private readonly clusterSize: number;
  private readonly l2Entries: number;
  private l1?: BigUint64Array;
  private readonly l2Cache = new Map<number, BigUint64Array>();
  private inflated?: { host: number; bytes: Uint8Array };

  constructor(private readonly image: ByteSource, private readonly header: Qcow2Header, readonly snapshot: Qcow2Snapshot) {
    if (header.extendedL2) throw new DecodeError('unsupported-image', 72, 'standard L2 entries: images with extended L2 entries (subclusters) are not read yet');
    this.clusterSize = 2 ** header.clusterBits;
    this.l2Entries = this.clusterSize / 8;
    const l1Span = this.clusterSize * this.l2Entries;
    this.base = Math.ceil(snapshot.diskSize / l1Span) * l1Span;
    this.size = snapshot.vmStateSize;
    const lastL1 = Math.floor((this.base + Math.max(0, this.size - 1)) / l1Span);
    if (this.size > 0 && lastL1 >= snapshot.l1Size) {
      throw new DecodeError('bad-image', snapshot.entryOffset + 32, `a VM state of ${this.size} bytes inside the ${snapshot.l1Size} L1 entries of snapshot ${quoted(snapshot.name)}, which end before it`);
    }
  }

  private async l1Table(): Promise<BigUint64Array> {
    if (this.l1) return this.l1;
    const { l1TableOffset, l1Size, entryOffset } = this.snapshot;
    const bytes = l1Size * 8;
    if (l1TableOffset % this.clusterSize !== 0 || l1TableOffset + bytes > this.image.size) {
      throw new DecodeError('bad-image', entryOffset, `snapshot L1 table (${bytes} bytes at ${l1TableOffset}) cluster-aligned inside the image of ${this.image.size} bytes`);
    }
    this.l1 = toEntries(await this.image.read(l1TableOffset, bytes));
    return this.l1;
  }

  private async l2Table(offset: number, l1Index: number): Promise<BigUint64Array> {
    const hit = this.l2Cache.get(offset);
    if (hit) return hit;
    if (offset % this.clusterSize !== 0 || offset + this.clusterSize > this.image.size) {
      throw new DecodeError('bad-image', this.snapshot.l1TableOffset + l1Index * 8, `an L2 table offset inside the image, found ${offset}`);
    }
    const table = toEntries(await this.image.read(offset, this.clusterSize));
    if (this.l2Cache.size >= L2_CACHE_TABLES) this.l2Cache.delete(this.l2Cache.keys().next().value!);
    this.l2Cache.set(offset, table);
    return table;
  }

  /** Where the cluster holding VM state byte `offset` is stored. */
  async mapCluster(offset: number): Promise<ClusterMapping> {
    const guest = this.base + offset;
    const l1Index = Math.floor(guest / (this.clusterSize * this.l2Entries));
    const l1Entry = (await this.l1Table())[l1Index];
    const l2Offset = Number(l1Entry & OFFSET_MASK);
    if (l2Offset === 0) return { kind: 'unallocated' };
    const l2Index = Math.floor(guest / this.clusterSize) % this.l2Entries;
    return this.classify((await this.l2Table(l2Offset, l1Index))[l2Index], l2Offset + l2Index * 8);
  }

  /** What one L2 entry (at image offset `entryAt`) says about its cluster. */
  private classify(entry: bigint, entryAt: number): ClusterMapping {
    if (entry & COMPRESSED) {
      // qcow2.txt "Compressed Clusters Descriptor": x = 62 - (cluster_bits - 8).
      const x = BigInt(62 - (this.header.clusterBits - 8));
      const host = Number(entry & ((1n << x) - 1n));
      const sectors = Number((entry >> x) & ((1n << BigInt(this.header.clusterBits - 8)) - 1n)) + 1;
      const size = Math.min(sectors * 512 - (host % 512), this.image.size - host);
      if (host >= this.image.size) throw new DecodeError('bad-image', entryAt, `a compressed cluster inside the image, found host offset ${host}`);
      return { kind: 'compressed', host, size };
    }
    const host = Number(entry & OFFSET_MASK);
    if (entry & 1n) return { kind: 'zero' };
    if (host === 0) return { kind: 'unallocated' };
    if (host % this.clusterSize !== 0 || host + this.clusterSize > this.image.size) {
      throw new DecodeError('bad-image', entryAt, `a data cluster inside the image, found host offset ${host}`);
    }
    return { kind: 'data', host };
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    let pos = offset;
    while (pos < end) {
      const m = await this.mapCluster(pos);
      const inCluster = (this.base + pos) % this.clusterSize;
      let n = Math.min(this.clusterSize - inCluster, end - pos);
      if (m.kind === 'data') {
        // Coalesce clusters that follow each other in the file into one read.
        while (pos + n < end) {
          const next = await this.mapCluster(pos + n);
          if (next.kind !== 'data' || next.host !== m.host + inCluster + n) break;
          n += Math.min(this.clusterSize, end - pos - n);
        }
        out.set(await this.image.read(m.host + inCluster, n), pos - offset);
      } else if (m.kind === 'compressed') {
        const cluster = await this.inflate(m.host, m.size);
        out.set(cluster.subarray(inCluster, inCluster + n), pos - offset);
      } // zero and unallocated clusters stay zero
      pos += n;
    }
    return out;
  }

  async readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
    const bytes = await this.read(offset, target.length);
    target.set(bytes);
    return target.subarray(0, bytes.length);
  }

  /**
   * The image-file ranges that hold VM state bytes [offset, offset + length), for edits that patch
   * the image in place. Throws when a byte sits in a cluster that is not stored as plain data.
   */
  async hostRanges(offset: number, length: number): Promise<Extent[]> {
    const out: Extent[] = [];
    for (let pos = offset; pos < offset + length; ) {
      const m = await this.mapCluster(pos);
      const inCluster = (this.base + pos) % this.clusterSize;
      const n = Math.min(this.clusterSize - inCluster, offset + length - pos);
      if (m.kind !== 'data') throw new DecodeError('unsupported-image', pos, `VM state byte ${pos} is stored as a ${m.kind} cluster: only plain data clusters can be changed in place`);
      const last = out[out.length - 1];
      if (last && last.host + last.length === m.host + inCluster) last.length += n;
      else out.push({ offset: pos, host: m.host + inCluster, length: n });
      pos += n;
    }
    return out;
  }

  /**
   * Every contiguous run of the VM state in the image file (data clusters only). One L2 table at a
   * time, its clusters in a plain loop: an await per cluster took ~400 ms for the 16,000 clusters
   * of a 1 GiB state in a fresh worker (cold JIT), and the page waits for this before it shows the
   * snapshot list.
   */
  async extents(): Promise<Extent[]> {
    const out: Extent[] = [];
    const cs = this.clusterSize;
    const span = cs * this.l2Entries;
    const l1 = await this.l1Table();
    for (let pos = 0; pos < this.size; ) {
      const l1Index = Math.floor((this.base + pos) / span);
      const tableEnd = Math.min(this.size, (l1Index + 1) * span - this.base);
      const l2Offset = Number(l1[l1Index] & OFFSET_MASK);
      if (l2Offset === 0) {
        pos = tableEnd;
        continue;
      }
      const table = await this.l2Table(l2Offset, l1Index);
      for (; pos < tableEnd; ) {
        const inCluster = (this.base + pos) % cs;
        const n = Math.min(cs - inCluster, this.size - pos);
        const l2Index = Math.floor((this.base + pos) / cs) % this.l2Entries;
        const m = this.classify(table[l2Index], l2Offset + l2Index * 8);
        if (m.kind === 'data') {
          const last = out[out.length - 1];
          const host = m.host + inCluster;
          if (last && last.host + last.length === host && last.offset + last.length === pos) last.length += n;
          else out.push({ offset: pos, host, length: n });
        }
        pos += n;
      }
    }
    return out;
  }

  /** Inflates one compressed cluster (raw deflate, QEMU's zlib compression type). */
  private async inflate(host: number, size: number): Promise<Uint8Array> {
    if (this.inflated?.host === host) return this.inflated.bytes;
    if (this.header.compressionType !== 0) throw new DecodeError('unsupported-image', host, 'zlib-compressed clusters: this image uses zstd compression');
    const input = await this.image.read(host, size);
    const ds = new DecompressionStream('deflate-raw');
    const writer = ds.writable.getWriter();
    // The last sector holds bytes past the deflate stream; stop once the cluster is complete
    // instead of letting the decompressor see them (block/qcow2-threads.c accepts the same).
    writer.write(input as Uint8Array<ArrayBuffer>).catch(() => {});
    writer.close().catch(() => {});
    const reader = ds.readable.getReader();
    const out = new Uint8Array(this.clusterSize);
    let filled = 0;
    try {
      while (filled < this.clusterSize) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = Math.min(value.length, this.clusterSize - filled);
        out.set(value.subarray(0, take), filled);
        filled += take;
      }
    } catch (e) {
      if (filled < this.clusterSize) throw new DecodeError('bad-image', host, `a deflate-compressed cluster: ${(e as Error).message}`);
    } finally {
      reader.cancel().catch(() => {});
    }
    if (filled < this.clusterSize) throw new DecodeError('bad-image', host, `a compressed cluster that inflates to ${this.clusterSize} bytes, got ${filled}`);
    this.inflated = { host, bytes: out };
    return out;
  }
}

function toEntries(bytes: Uint8Array): BigUint64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigUint64Array(Math.floor(bytes.length / 8));
  for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(i * 8);
  return out;
}
