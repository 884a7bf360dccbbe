// A multifd migration read as QEMU's destination reads it (format.md §6.3): the main channel (a
// QEVM stream announcing the RAM blocks) and its multifd channel files (multifd.ts), combined into
// one answer per RAM page: which write of it came last, in which file, at which offset.
//
// Which files belong together (multifd.c multifd_recv_initial_packet): every channel carries the
// source's UUID, which must equal the main channel's when the main channel sends one
// (configuration/uuid, with validate-uuid); otherwise the channels opened together must agree with
// each other. A channel id may come once. A channel's packets may only name blocks the main
// channel announced (ram.c "Unknown ramblock"), at offsets inside them.
//
// Migration order: every packet carries packet_num, one counter over all channels
// (multifd_send_fill_packet), so the packet with the highest packet_num that lists a page holds its
// last write; a zero-page entry is a write of zeros (multifd_recv_zero_page_process).

import type { ByteSource } from './byte-source.ts';
import { CancelledError, type Problem } from './errors.ts';
import { bytesToHex, valueBytes } from './field-types/bytes.ts';
import type { FieldNode, RamBlockInfo, StreamModel, StreamRecord } from './model.ts';
import { MULTIFD_FLAG, scanMultifdChannel } from './multifd.ts';
import { PageKind, RamBlockIndex, type RamState } from './ram.ts';

export const MULTIFD_MAGIC_BYTES = [0x11, 0x22, 0x33, 0x44];
const QEVM = [0x51, 0x45, 0x56, 0x4d];

/** What a file's first bytes say it is, for sorting a set of files picked together. */
export function multifdRole(head: Uint8Array): 'main' | 'channel' | 'other' {
  const starts = (m: number[]) => head.length >= 4 && m.every((b, i) => head[i] === b);
  return starts(QEVM) ? 'main' : starts(MULTIFD_MAGIC_BYTES) ? 'channel' : 'other';
}

export type MultifdRole = ReturnType<typeof multifdRole>;

const SECOND_MAIN = 'a second main channel (a QEVM stream): one main channel is open already';
const NOT_A_CHANNEL = 'not a multifd channel (no magic 11 22 33 44)';

/**
 * Files picked together (the page's drop, the CLI's `ram FILE CHANNEL...`): which one is the main
 * channel, which are channels, and why the others are neither. `main`: the main channel's index
 * when the caller names it (the CLI's first file); otherwise the first QEVM stream, or else the
 * first file that is neither (a container may hold the main channel: a libvirt image).
 */
export function sortByRole(roles: MultifdRole[], names: string[], main?: number): { main: number; channels: number[]; refused: Refusal[] } | null {
  const m = main ?? (roles.includes('main') ? roles.indexOf('main') : roles.indexOf('other'));
  if (m < 0) return null;
  const channels: number[] = [];
  const refused: Refusal[] = [];
  roles.forEach((r, i) => {
    if (i === m) return;
    if (r === 'channel') channels.push(i);
    else refused.push({ name: names[i], reason: r === 'main' ? `a second main channel: ${names[m]} is the main channel` : 'neither a main channel (QEVM header) nor a multifd channel (magic 11 22 33 44)' });
  });
  return { main: m, channels, refused };
}

export interface ChannelInput {
  name: string;
  source: ByteSource;
}

/**
 * Scans each file that starts like a channel, in slices, into the summary admitChannels takes;
 * the others are refused with the reason. `error`: a channel's first damage (the scan stops
 * there; the packets before it are kept).
 */
export async function scanChannelFiles<T extends ChannelInput>(
  files: T[], pageSize: number, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ candidates: (ChannelFile & { input: T; error?: Problem })[]; refused: Refusal[] }> {
  const total = files.reduce((n, f) => n + f.source.size, 0);
  let done = 0;
  const candidates: (ChannelFile & { input: T; error?: Problem })[] = [];
  const refused: Refusal[] = [];
  for (const f of files) {
    if (opts.signal?.aborted) throw new CancelledError();
    const role = multifdRole(await f.source.read(0, 4));
    if (role !== 'channel') {
      refused.push({ name: f.name, reason: role === 'main' ? SECOND_MAIN : NOT_A_CHANNEL });
    } else {
      const at = done;
      const { model } = await scanMultifdChannel(f.source, { pageSize, signal: opts.signal, onProgress: (s) => opts.onProgress?.(at + s, total) });
      // Only the summary is kept: the model's field trees hold a node per page offset.
      candidates.push({ name: f.name, summary: summarizeChannel(model), input: f, error: model.problems.find((p) => p.severity === 'error') });
    }
    done += f.source.size;
    opts.onProgress?.(done, total);
  }
  if (opts.signal?.aborted) throw new CancelledError();
  return { candidates, refused };
}

export interface ChannelIdentity {
  channelId: number;
  /** The source's UUID as 32 hex digits. */
  uuid: string;
}

const field = (fields: FieldNode[] | undefined, name: string) => fields?.find((f) => f.name === name);
const numberOf = (n: FieldNode | undefined) => (n === undefined ? NaN : Number(n.value));

/** The init record's channel id and UUID; null if the model is not a channel with an init record. */
export function channelIdentity(model: StreamModel): ChannelIdentity | null {
  const init = model.records[0];
  if (model.variant !== 'multifd-channel' || init?.kind !== 'multifd-init') return null;
  const uuid = valueBytes(field(init.fields, 'uuid')?.value);
  return uuid ? { channelId: numberOf(field(init.fields, 'id')), uuid: bytesToHex(uuid) } : null;
}

function* walk(nodes: FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) {
    yield n;
    yield* walk(n.children);
  }
}

/** The UUID the main channel sends (configuration/uuid subsection), as 32 hex digits, or null. */
export function mainChannelUuid(model: StreamModel): string | null {
  const config = model.records.find((r) => r.kind === 'configuration');
  for (const n of walk(config?.fields)) {
    if (n.name !== 'configuration/uuid' && n.vmsdName !== 'configuration/uuid') continue;
    for (const leaf of walk(n.children)) {
      const b = valueBytes(leaf.value);
      if (b?.length === 16) return bytesToHex(b);
    }
  }
  return null;
}

/** One record of a channel as its record list shows it (no field trees). */
export interface ChannelRecordRow {
  index: number;
  kind: string;
  offset: number;
  size: number;
  channelId?: number;
  flags?: number;
  packetNum?: number;
  block?: string;
  normal?: number;
  zero?: number;
  problems: string[];
}

/**
 * What the merge and the record list need of a scanned channel, without its model: the model
 * has a field node per page offset (multifd.ts), ~235 bytes of heap a page where this keeps ~16
 * (Node, the QEMU 10.0 channel 1 fixture).
 */
export interface ChannelSummary {
  variant: StreamModel['variant'];
  hasHeader: boolean;
  pageSize: number;
  complete: boolean;
  problems: string[];
  identity: ChannelIdentity | null;
  /** The packets that list pages, in file order. */
  packets: PacketPages[];
  rows: ChannelRecordRow[];
}

export interface ChannelFile {
  name: string;
  summary: ChannelSummary;
}

export interface Refusal {
  name: string;
  reason: string;
}

/** A channel packet that lists pages, as the merge needs it. */
export interface PacketPages {
  packetNum: number;
  offset: number;
  block: string;
  /** Page numbers: the normal pages first, then the zero pages. */
  pages: Float64Array;
  normal: number;
  /** File offset of the first normal page's bytes. */
  dataAt: number;
  /** The normal pages are compressed (zlib, zstd, qpl, uadk, qatzip): not the pages' own bytes. */
  compressed: boolean;
}

function latin1(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? b : b.subarray(0, end));
}

function packetPages(r: StreamRecord, pageSize: number): PacketPages | null {
  if (r.kind !== 'multifd-packet' || !r.ram) return null;
  const offsets = field(r.fields, 'offset')?.children ?? [];
  if (offsets.length === 0) return null;
  const name = valueBytes(field(r.fields, 'ramblock')?.value);
  const pagesField = field(r.fields, 'pages');
  return {
    packetNum: numberOf(field(r.fields, 'packet_num')),
    offset: r.offset,
    block: name ? latin1(name) : '',
    pages: Float64Array.from(offsets, (o) => Number(o.value) / pageSize),
    normal: numberOf(field(r.fields, 'normal_pages')),
    dataAt: pagesField?.offset ?? -1,
    compressed: (numberOf(field(r.fields, 'flags')) & MULTIFD_FLAG.COMPRESSION_MASK) !== 0,
  };
}

/** A scanned file's summary (`pageSize`: the main channel's, which the channel was scanned with). */
export function summarizeChannel(model: StreamModel): ChannelSummary {
  const packets: PacketPages[] = [];
  const rows = model.records.map((r): ChannelRecordRow => {
    const p = packetPages(r, model.pageSize);
    if (p) packets.push(p);
    const v = (n: string) => field(r.fields, n)?.value;
    const name = valueBytes(v('ramblock'));
    const row: ChannelRecordRow = { index: r.index, kind: r.kind, offset: r.offset, size: r.size, problems: r.problems.map((x) => x.message) };
    if (r.kind === 'multifd-init') row.channelId = numberOf(field(r.fields, 'id'));
    if (r.kind === 'multifd-packet') Object.assign(row, { flags: numberOf(field(r.fields, 'flags')), packetNum: v('packet_num') === undefined ? undefined : Number(v('packet_num')), block: name ? latin1(name) : undefined, normal: r.ram?.pages, zero: r.ram?.zero });
    return row;
  });
  return { variant: model.variant, hasHeader: model.hasHeader, pageSize: model.pageSize, complete: model.complete, problems: model.problems.map((x) => x.message), identity: channelIdentity(model), packets, rows };
}

/**
 * Which of `candidates` may join the main channel beside the channels already joined, and why
 * the others may not (a second main channel, another migration's UUID, a channel id twice, a
 * block the main channel does not announce). Candidates are taken in order.
 */
export function admitChannels(main: StreamModel, joined: ChannelFile[], candidates: ChannelFile[]): { admitted: ChannelFile[]; refused: Refusal[] } {
  const admitted: ChannelFile[] = [];
  const refused: Refusal[] = [];
  const mainUuid = mainChannelUuid(main);
  const blocks = new Map(main.ramBlocks.map((b) => [b.name, b.length]));
  const taken = new Map<number, string>();
  // packet_num -> the file whose packet has it: one counter numbers every channel's packets, so
  // two files with the same number are two migrations (QEMU without -uuid sends a zero UUID in
  // every migration, so the UUID alone does not tell them apart).
  const numbered = new Map<number, { name: string; offset: number }>();
  const take = (c: ChannelFile) => {
    taken.set(c.summary.identity!.channelId, c.name);
    for (const p of c.summary.packets) if (!numbered.has(p.packetNum)) numbered.set(p.packetNum, { name: c.name, offset: p.offset });
  };
  let uuid: { value: string; from: string } | null = mainUuid ? { value: mainUuid, from: 'the main channel' } : null;
  for (const c of joined) {
    take(c);
    uuid ??= { value: c.summary.identity!.uuid, from: c.name };
  }
  for (const c of candidates) {
    const why = refusal(c, main, blocks, taken, uuid) ?? numberTaken(c, numbered);
    if (why) {
      refused.push({ name: c.name, reason: why });
      continue;
    }
    take(c);
    uuid ??= { value: c.summary.identity!.uuid, from: c.name };
    admitted.push(c);
  }
  return { admitted, refused };
}

function numberTaken(c: ChannelFile, numbered: Map<number, { name: string; offset: number }>): string | null {
  for (const p of c.summary.packets) {
    const other = numbered.get(p.packetNum);
    if (other) return `another migration: its packet at 0x${p.offset.toString(16)} is packet_num ${p.packetNum}, as ${other.name}'s at 0x${other.offset.toString(16)} is (one counter numbers the packets of every channel of a migration)`;
  }
  return null;
}

function refusal(c: ChannelFile, main: StreamModel, blocks: Map<string, number>, taken: Map<number, string>, uuid: { value: string; from: string } | null): string | null {
  const ch = c.summary;
  if (ch.variant !== 'multifd-channel') {
    return ch.variant === 'migration' || ch.hasHeader ? SECOND_MAIN : NOT_A_CHANNEL;
  }
  const id = ch.identity;
  if (!id) return 'its init record is missing or cut off';
  if (uuid && id.uuid !== uuid.value) return `another migration: its UUID ${id.uuid} is not ${uuid.value} of ${uuid.from} ("multifd: received uuid '…' and expected uuid '…'")`;
  const other = taken.get(id.channelId);
  if (other !== undefined) return `channel id ${id.channelId} is already ${other}`;
  if (ch.pageSize !== main.pageSize) return `its pages are ${ch.pageSize} bytes, the main channel's ${main.pageSize}`;
  for (const p of ch.packets) {
    const length = blocks.get(p.block);
    if (length === undefined) return `its packet at 0x${p.offset.toString(16)} names RAM block "${p.block}", which the main channel does not announce ("Unknown ramblock")`;
    const beyond = p.pages.find((page) => (page + 1) * main.pageSize > length);
    if (beyond !== undefined) return `its packet at 0x${p.offset.toString(16)} lists page 0x${(beyond * main.pageSize).toString(16)}, outside "${p.block}" (0x${length.toString(16)} bytes)`;
  }
  return null;
}

/** Where a page's last write is: MAIN (the main channel's own record) or a channel's index + 1. */
export const MAIN_SOURCE = 0;
export const NOT_SENT = 0xffff;

export interface MergedBlock {
  name: string;
  length: number;
  /** Per page: MAIN_SOURCE, 1 + channel index, or NOT_SENT. */
  source: Uint16Array;
  /** Per page: PageKind of the last write. */
  kind: Uint8Array;
  /**
   * Per page: a channel page's bytes' file offset (data) or its packet's offset (zero); for the
   * main channel, the page record's offset, as in RamBlockIndex.
   */
  at: Float64Array;
  /** Per page: packet_num of the last write (NaN for the main channel's records). */
  packetNum: Float64Array;
  /** Pages written more than once (a later round sent them again). */
  rewritten: number;
}

export interface MergedRam {
  /** channels[i] is source i + 1. */
  channels: string[];
  blocks: Map<string, MergedBlock>;
  /** What the merge could not tell (the order of main-channel and channel writes of a page). */
  notes: string[];
}

/** The last write of every page over the main channel's RAM records and the channels' packets. */
export function mergeMultifd(main: StreamModel, mainRam: RamState, channels: ChannelFile[]): MergedRam {
  const ps = main.pageSize;
  const blocks = new Map<string, MergedBlock>();
  for (const b of main.ramBlocks) {
    let pages = Math.ceil(b.length / ps);
    // A block no MEM_SIZE record announced (length 0; the scanner checks the others' pages against
    // their length): as many pages as were sent.
    if (b.length === 0) mainRam.blocks.get(b.name)?.forEachRun((first, count) => (pages = Math.max(pages, first + count)));
    blocks.set(b.name, { name: b.name, length: b.length, source: new Uint16Array(pages).fill(NOT_SENT), kind: new Uint8Array(pages), at: new Float64Array(pages), packetNum: new Float64Array(pages).fill(NaN), rewritten: 0 });
  }
  for (const idx of mainRam.blocks.values()) {
    const m = blocks.get(idx.name);
    if (!m) continue;
    idx.forEachRun((first, count, kind, offset, stride) => {
      for (let i = 0; i < count && first + i < m.source.length; i++) {
        const p = first + i;
        if (m.source[p] !== NOT_SENT) m.rewritten++;
        m.source[p] = MAIN_SOURCE;
        m.kind[p] = kind;
        m.at[p] = offset + i * stride;
      }
    });
  }
  const packets: { ch: number; p: PacketPages }[] = [];
  channels.forEach((c, ch) => {
    for (const p of c.summary.packets) packets.push({ ch, p });
  });
  // Stable: a packet_num that two packets share (not written by QEMU) keeps channel order.
  packets.sort((a, b) => a.p.packetNum - b.p.packetNum);
  let overMain = 0;
  for (const { ch, p } of packets) {
    const m = blocks.get(p.block);
    if (!m) continue; // admitChannels refuses such channels
    p.pages.forEach((page, i) => {
      if (page >= m.source.length) return;
      if (m.source[page] !== NOT_SENT) m.rewritten++;
      if (m.source[page] === MAIN_SOURCE) overMain++;
      m.source[page] = ch + 1;
      m.packetNum[page] = p.packetNum;
      if (i < p.normal && p.compressed) {
        // The packet's data is one compressed stream: its pages have no bytes of their own here.
        m.kind[page] = PageKind.Compressed;
        m.at[page] = p.offset;
      } else if (i < p.normal) {
        m.kind[page] = PageKind.Data;
        m.at[page] = p.dataAt + i * ps;
      } else {
        m.kind[page] = PageKind.Zero;
        m.at[page] = p.offset;
      }
    });
  }
  const notes: string[] = [];
  if (overMain) notes.push(`${overMain} page(s) sent both on the main channel and in a multifd packet: the packet's write is taken (the files do not order the two)`);
  return { channels: channels.map((c) => c.name), blocks, notes };
}

/** A merged block's pages as a RamBlockIndex (kinds only; offsets are per source) for pictures and counts. */
export function mergedIndex(m: MergedBlock): RamBlockIndex {
  const idx = new RamBlockIndex(m.name, m.length, true);
  for (let p = 0; p < m.source.length; p++) if (m.source[p] !== NOT_SENT) idx.add(p, m.kind[p] as PageKind, p);
  return idx;
}

export function mergedBlockInfo(m: MergedBlock): RamBlockInfo {
  return mergedIndex(m).info();
}
