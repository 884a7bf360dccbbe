// RAM section records (format.md §6.1; migration/ram.c ram_load_precopy). Pages are indexed as
// runs of records (first page, count, file offset, stride), never copied.

import type { Cursor } from './cursor.ts';
import { DecodeError, quoted } from './errors.ts';
import type { RamBlockInfo, RamSummary } from './model.ts';

export const RAM_FLAG = {
  FULL: 0x001,
  ZERO: 0x002,
  MEM_SIZE: 0x004,
  PAGE: 0x008,
  EOS: 0x010,
  CONTINUE: 0x020,
  XBZRLE: 0x040,
  HOOK: 0x080,
  COMPRESS_PAGE: 0x100,
  MULTIFD_FLUSH: 0x200,
} as const;

export const enum PageKind { Zero = 0, Data = 1, Xbzrle = 2, Compressed = 3 }

/** Runs stored flat: [firstPage, count, kind, recordOffset, stride] per run. */
const RUN_FIELDS = 5;
/** Past this many runs a block stops indexing (its counts stay exact). */
const MAX_RUNS = 4_000_000;

export class RamBlockIndex implements RamBlockInfo {
  zero = 0;
  pages = 0;
  xbzrle = 0;
  compressed = 0;
  runs = new Float64Array(RUN_FIELDS * 64);
  runCount = 0;
  truncatedIndex = false;

  /**
   * `direct`: offsets point at the page bytes themselves (mapped-ram, multifd packets), not at a
   * RAM record whose header comes first.
   */
  constructor(readonly name: string, public length: number, readonly direct = false) {}

  add(page: number, kind: PageKind, recordOffset: number): void {
    if (kind === PageKind.Zero) this.zero++;
    else if (kind === PageKind.Data) this.pages++;
    else if (kind === PageKind.Xbzrle) this.xbzrle++;
    else this.compressed++;
    const r = this.runs;
    if (this.runCount > 0) {
      const b = (this.runCount - 1) * RUN_FIELDS;
      const count = r[b + 1];
      const stride = r[b + 4];
      if (r[b + 2] === kind && r[b] + count === page) {
        const expected = r[b + 3] + count * stride;
        if (count === 1 && recordOffset > r[b + 3]) {
          r[b + 4] = recordOffset - r[b + 3];
          r[b + 1] = 2;
          return;
        }
        if (recordOffset === expected) {
          r[b + 1] = count + 1;
          return;
        }
      }
    }
    if (this.runCount >= MAX_RUNS) {
      this.truncatedIndex = true;
      return;
    }
    if ((this.runCount + 1) * RUN_FIELDS > r.length) {
      const grown = new Float64Array(r.length * 2);
      grown.set(r);
      this.runs = grown;
    }
    const b = this.runCount++ * RUN_FIELDS;
    this.runs.set([page, 1, kind, recordOffset, 0], b);
  }

  /**
   * The same as add() for pages first..first+count-1 at records offset + i*stride, in one step
   * when they extend the last run (the bulk of a stream: ram.test.ts checks it against add()).
   */
  addRun(first: number, count: number, kind: PageKind, offset: number, stride: number): void {
    let k = 0;
    // Two adds give the run its stride; every further page then extends it, as add() would.
    for (; k < count && k < 2; k++) this.add(first + k, kind, offset + k * stride);
    if (k < count) {
      const r = this.runs;
      const b = (this.runCount - 1) * RUN_FIELDS;
      const n = r[b + 1];
      if (r[b + 2] === kind && r[b] + n === first + k && r[b + 4] === stride && r[b + 3] + n * stride === offset + k * stride) {
        r[b + 1] = n + count - k;
        if (kind === PageKind.Zero) this.zero += count - k;
        else if (kind === PageKind.Data) this.pages += count - k;
        else if (kind === PageKind.Xbzrle) this.xbzrle += count - k;
        else this.compressed += count - k;
        return;
      }
    }
    for (; k < count; k++) this.add(first + k, kind, offset + k * stride);
  }

  /** Calls `fn` for each run: pages firstPage..firstPage+count-1, records at offset + i*stride. */
  forEachRun(fn: (firstPage: number, count: number, kind: PageKind, offset: number, stride: number) => void): void {
    for (let i = 0; i < this.runCount; i++) {
      const b = i * RUN_FIELDS;
      fn(this.runs[b], this.runs[b + 1], this.runs[b + 2], this.runs[b + 3], this.runs[b + 4]);
    }
  }

  info(): RamBlockInfo {
    return { name: this.name, length: this.length, zero: this.zero, pages: this.pages, xbzrle: this.xbzrle, compressed: this.compressed };
  }
}

/** A block of a mapped-ram file (QEMU ≥ 9.0): pages at fixed offsets, listed by a bitmap. */
export interface MappedBlock {
  block: RamBlockIndex;
  bitmapOffset: number;
  pagesOffset: number;
}

/**
 * Told of every page record right after it is indexed, with the window holding it: the page's
 * bytes are `bytes[dataAt, dataAt + pageSize)` for data pages (diff/ram-hash.ts hashes them
 * during the scan, so a comparison need not read the file twice). Mapped-ram pages are not sent.
 */
export type RamPageSink = (block: RamBlockIndex, page: number, kind: PageKind, bytes: Uint8Array, dataAt: number, pageSize: number) => void;

export class RamState {
  blocks = new Map<string, RamBlockIndex>();
  pageSink?: RamPageSink;
  /** Capability mapped-ram (from the configuration section). */
  mappedRam = false;
  /** A MEM_SIZE record whose block list is still being read (mapped-ram jumps between entries). */
  memSize: { total: number; remaining: number; blocks: { name: string; length: number }[] } | null = null;
  /** Mapped blocks whose bitmap the scanner still has to read. */
  mapped: MappedBlock[] = [];
  /** "Previous block" persists across sections (ram.c last_sent_block / last_recv_block). */
  lastBlock: RamBlockIndex | null = null;
  /** Offset of the first record not yet fully decoded: where a refill resumes. */
  resumeAt = 0;
  /** Offsets of the MULTIFD_FLUSH records (ram.c: the main channel's sync points with the multifd channels). */
  multifdFlushes: number[] = [];

  constructor(public pageSize: number, public ignoreShared = false) {}
}

/**
 * The most bytes one RAM record can take: an 8-byte header, a block name of up to 255 bytes, and
 * the largest payload (an XBZRLE page's be16 length and its bytes, or a compressed page of up to
 * twice the page size with its be32 length: ram.c "Invalid compressed data length").
 */
export const ramRecordMax = (pageSize: number): number => 8 + 256 + Math.max(3 + 0xffff, 4 + 2 * pageSize);

export function newRamSummary(): RamSummary {
  return { zero: 0, pages: 0, xbzrle: 0, compressed: 0 };
}

/**
 * MEM_SIZE's block list: name, used_length, [guest address with x-ignore-shared], and with
 * mapped-ram a 28-byte header after which the stream continues behind the block's pages
 * (format.md §6.1, §10). Returns 'jump' when the caller must move to st.resumeAt.
 */
function readMemSizeEntries(c: Cursor, st: RamState, summary: RamSummary): 'done' | 'jump' {
  const m = st.memSize!;
  while (m.remaining > 0) {
    const at = c.pos;
    const name = c.countedString('RAM block name');
    const length = c.be64n('RAM block used_length');
    if (st.ignoreShared) c.skip(8, 'RAM block guest address (x-ignore-shared)');
    let jumpTo = -1;
    const block = new RamBlockIndex(name, length, st.mappedRam);
    if (st.mappedRam) {
      const version = c.be32('mapped-ram header version');
      if (version !== 1) throw new DecodeError('bad-ram', at, `mapped-ram header version 1, found ${version} ("Migration mapped-ram capability version not supported")`);
      const pageSize = c.be64n('mapped-ram page size');
      if (pageSize !== st.pageSize) throw new DecodeError('bad-ram', at, `mapped-ram page size ${st.pageSize}, found ${pageSize}`);
      const bitmapOffset = c.be64n('mapped-ram bitmap offset');
      const pagesOffset = c.be64n('mapped-ram pages offset');
      // x-ignore-shared blocks get neither bitmap nor pages.
      if (bitmapOffset || pagesOffset) {
        if (bitmapOffset > pagesOffset || pagesOffset % st.pageSize) throw new DecodeError('bad-ram', at, `a bitmap before a page-aligned page area, found 0x${bitmapOffset.toString(16)} and 0x${pagesOffset.toString(16)}`);
        st.mapped.push({ block, bitmapOffset, pagesOffset });
        jumpTo = pagesOffset + length;
      }
    }
    m.blocks.push({ name, length });
    m.remaining -= length;
    st.blocks.set(name, block);
    st.resumeAt = jumpTo >= 0 ? jumpTo : c.pos;
    if (m.remaining <= 0) {
      summary.memSize = m.total;
      summary.blocks = m.blocks;
      st.memSize = null;
    }
    if (jumpTo >= 0) return 'jump';
  }
  return 'done';
}

/** Counts a mapped block's pages from its bitmap (bit i of byte i/8, LSB first) and indexes them. */
export function indexMappedBitmap(mb: MappedBlock, bitmap: Uint8Array, pageSize: number, summary: RamSummary): void {
  const pages = Math.ceil(mb.block.length / pageSize);
  for (let i = 0; i < pages; i++) {
    if (bitmap[i >> 3] & (1 << (i & 7))) {
      mb.block.add(i, PageKind.Data, mb.pagesOffset + i * pageSize);
      summary.pages++;
    }
  }
}

/**
 * Decodes RAM records until EOS. Returns 'eos' at EOS, 'more' where the window ends inside a page
 * record (the usual end of a window: no exception thrown), 'jump' where st.resumeAt moved. May
 * throw NeedMoreData between or inside other records; state is only updated after a record is
 * complete, so the caller resumes at `st.resumeAt` with a refilled window.
 */
export function decodeRamRecords(c: Cursor, st: RamState, summary: RamSummary): 'eos' | 'jump' | 'more' {
  const ps = st.pageSize;
  if (st.memSize && readMemSizeEntries(c, st, summary) === 'jump') return 'jump';
  for (;;) {
    if (continuedPages(c, st, summary)) return 'more';
    const at = c.pos;
    const hi = c.be32('RAM record address');
    const lo = c.be32('RAM record address');
    const flags = lo & (ps - 1);
    const addr = hi * 0x1_0000_0000 + (lo - flags);
    switch (flags & ~RAM_FLAG.CONTINUE) {
      case RAM_FLAG.MEM_SIZE:
        st.memSize = { total: addr, remaining: addr, blocks: [] };
        st.resumeAt = c.pos;
        if (readMemSizeEntries(c, st, summary) === 'jump') return 'jump';
        break;
      case RAM_FLAG.ZERO:
      case RAM_FLAG.PAGE:
      case RAM_FLAG.XBZRLE:
      case RAM_FLAG.COMPRESS_PAGE: {
        let block = st.lastBlock;
        if (flags & RAM_FLAG.CONTINUE) {
          if (!block) throw new DecodeError('bad-ram', at, 'a block name: CONTINUE with no previous block ("Ack, bad migration stream!")');
        } else {
          const name = c.countedString('RAM block name');
          block = st.blocks.get(name) ?? null;
          if (!block) {
            if (st.blocks.size > 0) throw new DecodeError('bad-ram', at, `a block announced by MEM_SIZE; ${quoted(name)} is unknown`);
            block = new RamBlockIndex(name, 0);
            st.blocks.set(name, block);
          }
        }
        let kind: PageKind;
        const dataAt = c.pos;
        if (flags & RAM_FLAG.ZERO) {
          c.skip(1, 'zero page fill byte');
          kind = PageKind.Zero;
          summary.zero++;
        } else if (flags & RAM_FLAG.PAGE) {
          c.skip(ps, 'page data');
          kind = PageKind.Data;
          summary.pages++;
        } else if (flags & RAM_FLAG.XBZRLE) {
          const enc = c.u8('XBZRLE encoding flag');
          if (enc !== 1) throw new DecodeError('bad-ram', at, `XBZRLE encoding flag 0x01, found 0x${enc.toString(16)}`);
          c.skip(c.be16('XBZRLE length'), 'XBZRLE data');
          kind = PageKind.Xbzrle;
          summary.xbzrle++;
        } else {
          const len = c.be32('compressed page length');
          if (len > ps * 2) throw new DecodeError('bad-ram', at, `a compressed length up to ${ps * 2}, found ${len} ("Invalid compressed data length")`);
          c.skip(len, 'compressed page data');
          kind = PageKind.Compressed;
          summary.compressed++;
        }
        if (block.length > 0 && addr + ps > block.length) {
          throw new DecodeError('bad-ram', at, `an offset inside ${quoted(block.name)} (0x${block.length.toString(16)} bytes), found 0x${addr.toString(16)} ("Illegal RAM offset")`);
        }
        block.add(addr / ps, kind, at);
        st.pageSink?.(block, addr / ps, kind, c.win.bytes, dataAt - c.win.base, ps);
        st.lastBlock = block;
        break;
      }
      case RAM_FLAG.MULTIFD_FLUSH:
        st.multifdFlushes.push(at);
        break;
      case RAM_FLAG.EOS:
        st.resumeAt = c.pos;
        return 'eos';
      default:
        throw new DecodeError('bad-ram', at, `a known combination of RAM flags, found 0x${flags.toString(16)}${flags & RAM_FLAG.HOOK ? ' (RDMA hook)' : ''}`);
    }
    st.resumeAt = c.pos;
  }
}

const CONTINUED_PAGE = RAM_FLAG.PAGE | RAM_FLAG.CONTINUE;
const CONTINUED_ZERO = RAM_FLAG.ZERO | RAM_FLAG.CONTINUE;

/**
 * The bulk of a stream: data and zero pages of the block of the record before (CONTINUE), whole in
 * the window. Indexed here straight from the window's bytes, as decodeRamRecords would index them,
 * without its Cursor calls per header field: a 1 GiB stream is 262,144 such records, and this loop
 * halves the scan's CPU time (scripts/bench.ts). Anything else (another record, a page past the
 * block's end, the file's end) is left to decodeRamRecords, which decodes it or says why not.
 * True when the window ends inside a page record and more of the file follows.
 */
function continuedPages(c: Cursor, st: RamState, summary: RamSummary): boolean {
  const block = st.lastBlock;
  if (!block) return false;
  const ps = st.pageSize;
  const bytes = c.win.bytes;
  const base = c.win.base;
  const sink = st.pageSink;
  let i = c.pos - base;
  for (;;) {
    if (!sink) {
      // Most of a stream is data pages one after another: counted by a loop that only reads
      // bytes (~20 instructions a page once optimized, where this loop's general body took
      // ~250 and was deoptimized by its rare paths: callgrind, bench-cli.ts), then indexed as one run.
      const n = dataPageRun(bytes, i, ps, block.length);
      if (n > 0) {
        const addr = pageAddress(bytes, i, ps);
        block.addRun(addr / ps, n, PageKind.Data, base + i, ps + 8);
        summary.pages += n;
        i += n * (ps + 8);
        c.pos = base + i;
        st.resumeAt = c.pos;
      }
    }
    if (i + 9 > bytes.length) return !c.win.atEnd;
    const lo = ((bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7]) >>> 0;
    const flags = lo & (ps - 1);
    const size = flags === CONTINUED_PAGE ? ps : flags === CONTINUED_ZERO ? 1 : -1;
    if (size < 0) return false;
    if (i + 8 + size > bytes.length) return !c.win.atEnd;
    const hi = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    const addr = hi * 0x1_0000_0000 + (lo - flags);
    if (block.length > 0 && addr + ps > block.length) return false;
    const kind = size === 1 ? PageKind.Zero : PageKind.Data;
    if (kind === PageKind.Zero) summary.zero++;
    else summary.pages++;
    block.add(addr / ps, kind, base + i);
    sink?.(block, addr / ps, kind, bytes, i + 8, ps);
    i += 8 + size;
    c.pos = base + i;
    st.resumeAt = c.pos;
  }
}

/** The address of the page record at bytes[i] (its header's be64 without the flag bits). */
function pageAddress(bytes: Uint8Array, i: number, ps: number): number {
  const hi = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  const lo = ((bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7]) >>> 0;
  return hi * 0x1_0000_0000 + (lo - (lo & (ps - 1)));
}

/**
 * How many records from bytes[i] are CONTINUE data pages, whole in `bytes`, each the page after
 * the one before, inside a block of `blockLength` bytes (0: length unknown). Integers and byte
 * reads only, so the optimizing compiler keeps it without deoptimizing.
 */
function dataPageRun(bytes: Uint8Array, i: number, ps: number, blockLength: number): number {
  const stride = ps + 8;
  const mask = ps - 1;
  let n = 0;
  let next = -1;
  for (; i + stride <= bytes.length; i += stride, n++) {
    const lo = ((bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7]) >>> 0;
    if ((lo & mask) !== CONTINUED_PAGE) break;
    const hi = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    const addr = hi * 0x1_0000_0000 + (lo - CONTINUED_PAGE);
    if ((next >= 0 && addr !== next) || (blockLength > 0 && addr + ps > blockLength)) break;
    next = addr + ps;
  }
  return n;
}

/** Page state in a RAM picture cell; a cell covering several pages shows the most telling one. */
export const RAM_CELL = { notSent: 0, zero: 1, data: 2, other: 3 } as const;
