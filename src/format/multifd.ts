// A multifd channel recording (format.md §10): what one of the extra connections of a multifd
// migration carries. Not a QEVM stream: it starts with the channel's init record, then packets,
// each listing one RAM block, the offsets of its normal and zero pages, and the normal pages'
// bytes (migration/multifd.h and multifd.c, QEMU 10.0: MultiFDInit_t, MultiFDPacket_t,
// MultiFDPacketDeviceState_t; multifd-nocomp.c multifd_ram_unfill_packet).

import type { ByteSource } from './byte-source.ts';
import { Cursor } from './cursor.ts';
import { CancelledError, DecodeError, makeProblem, quoted } from './errors.ts';
import { decodeLeaf } from './field-types/index.ts';
import type { FieldNode, RamSummary, StreamModel, StreamRecord } from './model.ts';
import { PageKind, RamBlockIndex, RamState } from './ram.ts';

export const MULTIFD_MAGIC = 0x11223344;
const MULTIFD_VERSION = 1;
/** MultiFDInit_t: be32 magic, be32 version, 16-byte uuid, u8 channel id, 7 + 32 reserved bytes. */
const INIT_SIZE = 64;
/** MultiFDPacket_t without its offset[] array (header, counts, packet_num, reserved, ramblock[256]). */
const RAM_PACKET_FIXED = 320;
/** MultiFDPacketDeviceState_t: header, idstr[256], be32 instance_id, be32 next_packet_size. */
const DEVICE_PACKET_SIZE = 276;
/** MULTIFD_PACKET_SIZE: a RAM packet's offset[] has room for this many bytes of pages. */
const PACKET_BYTES = 512 * 1024;
export const MULTIFD_FLAG = { SYNC: 1, COMPRESSION_MASK: 0x1f << 1, DEVICE_STATE: 32 << 1 } as const;

export interface MultifdOptions {
  /** Target page size, from the main channel; otherwise found from the packets themselves. */
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (scanned: number, total: number) => void;
}

export async function isMultifdChannel(source: ByteSource): Promise<boolean> {
  const h = await source.read(0, 4);
  return h.length === 4 && ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0 === MULTIFD_MAGIC;
}

function leaf(c: Cursor, name: string, prefix: string, type: string, size: number): FieldNode {
  const offset = c.pos;
  return { name, path: `${prefix}${name}`, kind: 'leaf', type, offset, size, value: decodeLeaf(c, type, size) };
}

function num(n: FieldNode): number {
  return typeof n.value === 'number' ? n.value : Number(n.value);
}

function nulTerminated(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? b : b.subarray(0, end));
}

export async function scanMultifdChannel(source: ByteSource, opts: MultifdOptions = {}): Promise<{ model: StreamModel; ram: RamState }> {
  const model: StreamModel = {
    fileSize: source.size, variant: 'multifd-channel', hasHeader: true, hasConfiguration: false, footers: null,
    pageSize: opts.pageSize ?? 4096, records: [], ramBlocks: [], complete: false, problems: [],
  };
  const ram = new RamState(model.pageSize);
  const push = (r: Omit<StreamRecord, 'index' | 'depth'>) => model.records.push({ index: model.records.length, depth: 0, ...r });
  let pos = 0;
  try {
    pos = await readInit(source, push);
    const pageCount = opts.pageSize ? PACKET_BYTES / opts.pageSize : await findPageCount(source, pos);
    model.pageSize = ram.pageSize = PACKET_BYTES / pageCount;
    while (pos < source.size) {
      if (opts.signal?.aborted) throw new CancelledError();
      opts.onProgress?.(pos, source.size);
      pos = await readPacket(source, pos, pageCount, ram, push);
    }
    // multifd.c multifd_recv_thread: the channel ends with the connection, after a whole packet.
    model.complete = true;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    push({ kind: 'damaged', offset: pos, size: source.size - pos, problems: [e.toProblem()] });
  }
  model.ramBlocks = [...ram.blocks.values()].map((b) => b.info());
  model.problems = model.records.flatMap((r) => r.problems);
  opts.onProgress?.(source.size, source.size);
  return { model, ram };
}

async function readInit(source: ByteSource, push: (r: Omit<StreamRecord, 'index' | 'depth'>) => void): Promise<number> {
  const bytes = await source.read(0, INIT_SIZE);
  const c = new Cursor({ bytes, base: 0, atEnd: source.size <= INIT_SIZE }, 0, 'multifd init');
  const p = 'multifd init/';
  const fields = [leaf(c, 'magic', p, 'uint32', 4), leaf(c, 'version', p, 'uint32', 4), leaf(c, 'uuid', p, 'buffer', 16), leaf(c, 'id', p, 'uint8', 1), leaf(c, 'reserved', p, 'buffer', 39)];
  const problems = [];
  // multifd.c multifd_recv_initial_packet: magic and version must match, the uuid must be this
  // migration's (not checkable from one file).
  if (num(fields[1]) !== MULTIFD_VERSION) problems.push(makeProblem('bad-version', 4, `multifd version ${MULTIFD_VERSION}, found ${num(fields[1])} ("multifd: received packet version %u and expected version 1")`));
  push({ kind: 'multifd-init', offset: 0, size: INIT_SIZE, fields, decodedBy: 'builtin', exact: true, problems });
  return INIT_SIZE;
}

/**
 * The receiver reads packet_len = 320 + 8 * page_count bytes for every RAM packet, page_count being
 * MULTIFD_PACKET_SIZE / target page size; a RAM packet's pages_alloc says page_count. Sync packets
 * (QEMU >= 9.0) carry pages_alloc 0, so the first packet that lists pages tells.
 */
async function findPageCount(source: ByteSource, from: number): Promise<number> {
  for (const ps of [4096, 16384, 65536, 8192]) {
    const count = PACKET_BYTES / ps;
    const len = RAM_PACKET_FIXED + 8 * count;
    const h = await source.read(from, Math.min(len, source.size - from));
    if (h.length < 24) break;
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const flags = dv.getUint32(8);
    if (flags & MULTIFD_FLAG.DEVICE_STATE) break; // device state says nothing about pages
    const alloc = dv.getUint32(12);
    if (alloc > 0) return alloc;
    // A sync packet: accept the length whose next packet starts with the magic (or ends the file).
    const next = from + len;
    if (next === source.size) return count;
    const m = await source.read(next, 4);
    if (m.length === 4 && new DataView(m.buffer, m.byteOffset, 4).getUint32(0) === MULTIFD_MAGIC) return count;
  }
  return PACKET_BYTES / 4096;
}

async function readPacket(source: ByteSource, at: number, pageCount: number, ram: RamState, push: (r: Omit<StreamRecord, 'index' | 'depth'>) => void): Promise<number> {
  const head = await source.read(at, Math.min(RAM_PACKET_FIXED + 8 * pageCount, source.size - at));
  const win = { bytes: head, base: at, atEnd: at + head.length >= source.size };
  const c = new Cursor(win, at, 'multifd packet');
  const p = `packet@${at}/`;
  const hdr = [leaf(c, 'magic', p, 'uint32', 4), leaf(c, 'version', p, 'uint32', 4), leaf(c, 'flags', p, 'uint32', 4)];
  if (num(hdr[0]) !== MULTIFD_MAGIC) throw new DecodeError('bad-magic', at, `a multifd packet (magic 11 22 33 44), found 0x${num(hdr[0]).toString(16).padStart(8, '0')} ("multifd: received packet magic %x and expected magic %x")`);
  if (num(hdr[1]) !== MULTIFD_VERSION) throw new DecodeError('bad-version', at + 4, `multifd packet version ${MULTIFD_VERSION}, found ${num(hdr[1])}`);
  const flags = num(hdr[2]);
  if (flags & MULTIFD_FLAG.DEVICE_STATE) {
    const fields = [...hdr, leaf(c, 'idstr', p, 'buffer', 256), leaf(c, 'instance_id', p, 'uint32', 4), leaf(c, 'next_packet_size', p, 'uint32', 4)];
    const size = num(fields[5]);
    if (at + DEVICE_PACKET_SIZE + size > source.size) throw new DecodeError('truncated', source.size, `${size} bytes of device state after the packet at 0x${at.toString(16)}`);
    if (size) fields.push({ name: 'data', path: `${p}data`, kind: 'opaque', type: 'buffer', offset: at + DEVICE_PACKET_SIZE, size });
    push({ kind: 'multifd-packet', offset: at, size: DEVICE_PACKET_SIZE + size, fields, decodedBy: 'builtin', exact: true, problems: [] });
    return at + DEVICE_PACKET_SIZE + size;
  }
  const counts = [leaf(c, 'pages_alloc', p, 'uint32', 4), leaf(c, 'normal_pages', p, 'uint32', 4), leaf(c, 'next_packet_size', p, 'uint32', 4), leaf(c, 'packet_num', p, 'uint64', 8), leaf(c, 'zero_pages', p, 'uint32', 4), leaf(c, 'reserved', p, 'buffer', 28)];
  const [alloc, normal, nextSize, , zero] = counts.map(num);
  const nameAt = c.pos;
  const nameNode = leaf(c, 'ramblock', p, 'buffer', 256);
  const block = nulTerminated(head.subarray(nameAt - at, nameAt - at + 256));
  const fields = [...hdr, ...counts, nameNode];
  // multifd-nocomp.c multifd_ram_unfill_packet: the receiver's checks, in its words.
  if (alloc > pageCount) throw new DecodeError('bad-ram', at + 12, `at most ${pageCount} pages per packet, found ${alloc} ("multifd: received packet with ${alloc} pages, expected ${pageCount}")`);
  if (normal > alloc) throw new DecodeError('bad-ram', at + 16, `at most ${alloc} normal pages, found ${normal}`);
  if (zero > alloc - normal) throw new DecodeError('bad-ram', at + 32, `at most ${alloc - normal} zero pages, found ${zero}`);
  const offsets: FieldNode[] = [];
  const offsetsAt = c.pos;
  for (let i = 0; i < normal + zero; i++) offsets.push(leaf(c, `[${i}]`, `${p}offset`, 'uint64', 8));
  fields.push({ name: 'offset', path: `${p}offset`, kind: 'array', type: 'uint64', offset: offsetsAt, size: 8 * (normal + zero), children: offsets });
  const unused = pageCount - normal - zero;
  if (unused > 0) fields.push(leaf(c, 'offset (unused)', p, 'buffer', 8 * unused));
  const packetEnd = at + RAM_PACKET_FIXED + 8 * pageCount;
  // Without compression the normal pages follow whole; a compressor sends next_packet_size bytes.
  const compressed = (flags & MULTIFD_FLAG.COMPRESSION_MASK) !== 0;
  const dataSize = compressed ? nextSize : normal * ram.pageSize;
  const problems = [];
  if (!compressed && nextSize !== dataSize) problems.push(makeProblem('size-mismatch', at + 20, `next_packet_size ${dataSize} (${normal} page(s)), found ${nextSize}`, p.slice(0, -1)));
  if (packetEnd + dataSize > source.size) throw new DecodeError('truncated', source.size, `${dataSize} bytes of pages after the packet at 0x${at.toString(16)}`);
  if (dataSize) fields.push({ name: 'pages', path: `${p}pages`, kind: 'opaque', type: 'buffer', offset: packetEnd, size: dataSize });
  const summary: RamSummary = { zero: 0, pages: 0, xbzrle: 0, compressed: 0 };
  if (normal + zero > 0) {
    let idx = ram.blocks.get(block);
    if (!idx) ram.blocks.set(block, (idx = new RamBlockIndex(block, 0, true)));
    offsets.forEach((o, i) => {
      const page = num(o) / ram.pageSize;
      if (!Number.isInteger(page)) throw new DecodeError('bad-ram', o.offset, `a page-aligned offset in ${quoted(block)}, found 0x${num(o).toString(16)}`);
      if (i < normal) {
        idx.add(page, compressed ? PageKind.Compressed : PageKind.Data, compressed ? at : packetEnd + i * ram.pageSize);
        if (compressed) summary.compressed++;
        else summary.pages++;
      } else {
        idx.add(page, PageKind.Zero, at);
        summary.zero++;
      }
    });
  }
  push({ kind: 'multifd-packet', offset: at, size: packetEnd + dataSize - at, fields, decodedBy: 'builtin', exact: true, ram: summary, problems });
  return packetEnd + dataSize;
}
