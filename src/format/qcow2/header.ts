// The qcow2 image header and snapshot table (QEMU docs/interop/qcow2.txt, block/qcow2.h,
// block/qcow2-snapshot.c: qcow2_read_snapshots). Everything is big-endian. Only what is needed to
// find a snapshot's VM state is read; every offset and size is checked against the image before
// it is trusted, and a problem names the byte where the bad value sits.

import type { ByteSource } from '../byte-source.ts';
import { DecodeError } from '../errors.ts';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/** Incompatible feature bits (qcow2.txt "incompatible_features"). */
const INCOMPAT = { dirty: 1n << 0n, corrupt: 1n << 1n, externalData: 1n << 2n, compressionType: 1n << 3n, extendedL2: 1n << 4n };

export interface Qcow2Header {
  version: 2 | 3;
  clusterBits: number;
  /** Virtual disk size of the active image, in bytes. */
  size: number;
  l1Size: number;
  l1TableOffset: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  /** 0 zlib (deflate), 1 zstd (v3 compression_type). */
  compressionType: number;
  extendedL2: boolean;
  /** Set when QEMU did not close the image cleanly: refcounts may be stale, the tables are still readable. */
  dirty: boolean;
}

export interface Qcow2Snapshot {
  /** Index in the snapshot table. */
  index: number;
  /** Byte offset of the table entry in the image. */
  entryOffset: number;
  id: string;
  name: string;
  l1TableOffset: number;
  l1Size: number;
  /** Creation time, seconds and nanoseconds since the epoch (host clock). */
  dateSec: number;
  dateNsec: number;
  /** Guest clock at the snapshot, ns. */
  vmClockNsec: number;
  /** Size of the saved VM state in bytes; 0 for a disk-only snapshot. */
  vmStateSize: number;
  /** Disk size when the snapshot was taken (extra data; else the image's current size). */
  diskSize: number;
  icount?: number;
}

/** A 64-bit big-endian value that must fit a JS number (offsets and sizes of real images do). */
function u64(view: DataView, at: number, fileOffset: number, what: string): number {
  const v = view.getBigUint64(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('bad-image', fileOffset + at, `${what} ${v} is beyond any real image`);
  return Number(v);
}

export async function readQcow2Header(source: ByteSource): Promise<Qcow2Header> {
  const bytes = await source.read(0, 112);
  if (bytes.length < 72) throw new DecodeError('truncated', bytes.length, 'a qcow2 header of at least 72 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== QCOW2_MAGIC) throw new DecodeError('bad-image', 0, 'the qcow2 magic QFI\\xfb');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new DecodeError('bad-image', 4, `qcow2 version 2 or 3, found ${version}`);
  const clusterBits = view.getUint32(20);
  // block/qcow2.c qcow2_do_open: MIN_CLUSTER_BITS 9, MAX_CLUSTER_BITS 21.
  if (clusterBits < 9 || clusterBits > 21) throw new DecodeError('bad-image', 20, `cluster_bits between 9 and 21, found ${clusterBits}`);
  const cryptMethod = view.getUint32(32);
  if (cryptMethod !== 0) throw new DecodeError('unsupported-image', 32, `an unencrypted image: this one is encrypted (crypt_method ${cryptMethod}), and its VM state cannot be read without the key`);
  let incompatible = 0n;
  let compressionType = 0;
  if (version === 3) {
    if (bytes.length < 104) throw new DecodeError('truncated', bytes.length, 'a qcow2 v3 header of 104 bytes');
    incompatible = view.getBigUint64(72);
    const headerLength = view.getUint32(100);
    if (incompatible & INCOMPAT.externalData) throw new DecodeError('unsupported-image', 72, 'an image without an external data file: this one keeps its data in another file, which a browser page cannot open beside it');
    if (incompatible & INCOMPAT.compressionType && headerLength > 104 && bytes.length > 104) compressionType = bytes[104];
    const known = INCOMPAT.dirty | INCOMPAT.corrupt | INCOMPAT.externalData | INCOMPAT.compressionType | INCOMPAT.extendedL2;
    if (incompatible & ~known) throw new DecodeError('unsupported-image', 72, `only known incompatible features, found 0x${incompatible.toString(16)}`);
  }
  return {
    version,
    clusterBits,
    size: u64(view, 24, 0, 'disk size'),
    l1Size: view.getUint32(36),
    l1TableOffset: u64(view, 40, 0, 'L1 table offset'),
    nbSnapshots: view.getUint32(60),
    snapshotsOffset: u64(view, 64, 0, 'snapshot table offset'),
    compressionType,
    extendedL2: (incompatible & INCOMPAT.extendedL2) !== 0n,
    dirty: (incompatible & INCOMPAT.dirty) !== 0n,
  };
}

/** QEMU's limit on snapshots (block/qcow2.h QCOW_MAX_SNAPSHOTS). */
const MAX_SNAPSHOTS = 65536;

export async function readSnapshots(source: ByteSource, h: Qcow2Header): Promise<Qcow2Snapshot[]> {
  if (h.nbSnapshots > MAX_SNAPSHOTS) throw new DecodeError('bad-image', 60, `at most ${MAX_SNAPSHOTS} snapshots, found ${h.nbSnapshots}`);
  const out: Qcow2Snapshot[] = [];
  let pos = h.snapshotsOffset;
  // What points at the entry: the header's snapshots_offset, then each previous entry's sizes. A
  // problem names it when the entry lies wholly past the end of a cut image.
  let pointer = 64;
  const text = new TextDecoder('utf-8', { fatal: false });
  for (let i = 0; i < h.nbSnapshots; i++) {
    if (pos + 40 > source.size) throw new DecodeError('truncated', pos < source.size ? pos : pointer, `snapshot ${i}'s table entry (40 bytes) at 0x${pos.toString(16)} inside the image of ${source.size} bytes`);
    const fixed = await source.read(pos, 40);
    const v = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength);
    const idSize = v.getUint16(12);
    const nameSize = v.getUint16(14);
    const extraSize = v.getUint32(36);
    if (extraSize > 1024) throw new DecodeError('bad-image', pos + 36, `snapshot extra data of at most 1024 bytes, found ${extraSize}`);
    const entrySize = 40 + extraSize + idSize + nameSize;
    if (pos + entrySize > source.size) throw new DecodeError('truncated', pos, `snapshot ${i}'s entry of ${entrySize} bytes inside the image`);
    const rest = await source.read(pos + 40, extraSize + idSize + nameSize);
    const extra = new DataView(rest.buffer, rest.byteOffset, extraSize);
    const l1TableOffset = u64(v, 0, pos, 'snapshot L1 table offset');
    let vmStateSize = v.getUint32(32);
    // Extra data (qcow2.txt): vm_state_size_large, disk_size, icount, each present when it fits.
    if (extraSize >= 8) vmStateSize = u64(extra, 0, pos + 40, 'VM state size');
    const diskSize = extraSize >= 16 ? u64(extra, 8, pos + 40, 'snapshot disk size') : h.size;
    const icountRaw = extraSize >= 24 ? extra.getBigInt64(16) : -1n;
    out.push({
      index: i,
      entryOffset: pos,
      l1TableOffset,
      l1Size: v.getUint32(8),
      dateSec: v.getUint32(16),
      dateNsec: v.getUint32(20),
      vmClockNsec: u64(v, 24, pos, 'VM clock'),
      vmStateSize,
      diskSize,
      icount: icountRaw >= 0n ? Number(icountRaw) : undefined,
      id: text.decode(rest.subarray(extraSize, extraSize + idSize)),
      name: text.decode(rest.subarray(extraSize + idSize, extraSize + idSize + nameSize)),
    });
    pointer = pos;
    pos += (entrySize + 7) & ~7; // entries are padded to a multiple of 8
  }
  return out;
}
