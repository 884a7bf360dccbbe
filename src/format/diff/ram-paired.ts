// RAM of two streams compared page by page from their bytes, both files read side by side in
// slices, instead of a hash of every page on both sides (ram-hash.ts). Two streams of one guest
// send their pages in nearly the same order (ram.c walks the dirty bitmap block by block, page by
// page), so the left file's pages, in file order, meet the right file's in file order too: a run
// of records that follow each other on both sides is compared as one range of bytes (the CLI
// hands in a native memcmp), and only a range that differs is looked at page by page. Hashing
// every page cost ~5x one scan of a 4 GiB stream (issue #13 asks <= 2.5x).
//
// Only the last record of a page counts (ram.c ram_load_precopy overwrites; a page never sent is
// zero on a fresh destination), as with the hashes. When the right file's pages come in another
// order (many jumps back), this gives up (null) and the caller hashes.

import type { ByteSource } from '../byte-source.ts';
import type { Window } from '../cursor.ts';
import { CancelledError } from '../errors.ts';
import { PageKind, RAM_FLAG, type RamState } from '../ram.ts';
import { WindowReader } from '../window-reader.ts';
import { equalBytes } from '../bytes-equal.ts';
import { blockDiff, blockNames, ramDiff } from './ram-diff.ts';
import { RAM_DIFF_CELL, type RamDiff } from './types.ts';

/** True when a[aAt, aAt+n) and b[bAt, bAt+n) hold the same bytes. */
export type EqualBytes = (a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number) => boolean;

/** Plain JS (bytes-equal.ts). */
export const jsEqualBytes: EqualBytes = equalBytes;

const NOT_SENT = -1;
/** Longest record header: be64 address|flags, counted block name (ram.c save_page_header). */
const MAX_HEADER = 8 + 1 + 255;
/** Bytes compared at once; a range that differs is then compared page by page. */
const SPAN = 1024 * 1024;

/** Per page of a block: where its last record is and what kind it is. */
export interface Finals { name: string; length: number; pages: number; offset: Float64Array; kind: Int8Array; direct: boolean }

export function finals(ram: RamState): Map<string, Finals> {
  const out = new Map<string, Finals>();
  for (const b of ram.blocks.values()) {
    const runs: number[][] = [];
    let pages = Math.ceil(b.length / ram.pageSize);
    b.forEachRun((first, count, kind, offset, stride) => (runs.push([first, count, kind, offset, stride]), (pages = Math.max(pages, first + count))));
    const f: Finals = { name: b.name, length: b.length, pages, offset: new Float64Array(pages), kind: new Int8Array(pages).fill(NOT_SENT), direct: b.direct };
    for (const [first, count, kind, offset, stride] of runs.sort((x, y) => x[3] - y[3])) {
      for (let i = 0; i < count; i++) ((f.offset[first + i] = offset + i * stride), (f.kind[first + i] = kind));
    }
    out.set(b.name, f);
  }
  return out;
}

interface Run { f: Finals; first: number; count: number; offset: number; stride: number }

/** Every block's runs in file order (the order a page's last record is found in). */
function runsInOrder(ram: RamState, fs: Map<string, Finals>): Run[] {
  const runs: Run[] = [];
  for (const b of ram.blocks.values()) b.forEachRun((first, count, _k, offset, stride) => runs.push({ f: fs.get(b.name)!, first, count, offset, stride }));
  return runs.sort((x, y) => x.offset - y.offset);
}

class Side {
  private readonly reader: WindowReader;
  win: Window = { bytes: new Uint8Array(0), base: 0, atEnd: false };
  constructor(readonly source: ByteSource) {
    this.reader = new WindowReader(source);
  }
  /** Makes the window hold [from, to) (up to the end of the file). */
  need(from: number, to: number): Promise<Window> | null {
    const end = Math.min(to, this.source.size);
    if (from >= this.win.base && end <= this.win.base + this.win.bytes.length) return null;
    return this.reader.at(from, end - from).then((w) => (this.win = w));
  }
  /** Where a record's page bytes start (the window holds the record). */
  dataAt(at: number, direct: boolean): number {
    if (direct) return at;
    const b = this.win.bytes;
    const rel = at - this.win.base;
    return at + 8 + ((b[rel + 7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + b[rel + 8]);
  }
}

export interface PairedOptions {
  /** Byte comparison (the CLI's is Node's memcmp); plain JS by default. */
  equal?: EqualBytes;
  signal?: AbortSignal;
  maxCells?: number;
}

function isZero(b: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[at + i] !== 0) return false;
  return true;
}

/**
 * The RAM difference of two scanned streams from their bytes; null when it cannot be done this way
 * (mapped-ram, an index cut short, the right file's pages in another order): hash them instead.
 */
export async function compareRamPaired(ls: ByteSource, lram: RamState, rs: ByteSource, rram: RamState, opts: PairedOptions = {}): Promise<RamDiff | null> {
  const ps = lram.pageSize;
  if (lram.mappedRam || rram.mappedRam || rram.pageSize !== ps) return null;
  if ([...lram.blocks.values(), ...rram.blocks.values()].some((b) => b.truncatedIndex)) return null;
  const lf = finals(lram);
  const rf = finals(rram);
  const lruns = runsInOrder(lram, lf);
  /** RAM_DIFF_CELL per page both sides have; pages past the shorter side differ (blockDiff). */
  const cells = new Map<string, Uint8Array>();
  const seen = new Map<string, Uint8Array>();
  for (const [name, l] of lf) {
    const r = rf.get(name);
    if (r) (cells.set(name, new Uint8Array(Math.min(l.pages, r.pages))), seen.set(name, new Uint8Array(r.pages)));
  }
  // Pages the right file sends before ones it sent earlier than the left did: each is read alone.
  let back = 0;
  let data = 0;
  for (let last = -1, k = 0; k < lruns.length; k++) {
    const { f: l, first, count, offset, stride } = lruns[k];
    const r = rf.get(l.name);
    const common = cells.get(l.name)?.length ?? 0;
    for (let i = 0; r && i < count; i++) {
      const p = first + i;
      if (p >= common || l.offset[p] !== offset + i * stride || r.kind[p] !== PageKind.Data) continue;
      data++;
      if (r.offset[p] < last) back++;
      else last = r.offset[p];
    }
  }
  if (back > Math.max(1024, data >> 6)) return null;

  const equal = opts.equal ?? jsEqualBytes;
  const L = new Side(ls);
  const R = new Side(rs);
  const cutOff = (at: number): Error => new Error(`RAM page record at ${at} is cut off by the end of the file`);
  /** A page's bytes: [buffer, index of its first byte]; in file order through the side's window. */
  const page = async (side: Side, at: number, direct: boolean, inOrder: boolean): Promise<[Uint8Array, number]> => {
    if (!inOrder) {
      const b = await side.source.read(at, MAX_HEADER + ps);
      const d = direct ? 0 : 8 + ((b[7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + b[8]);
      if (d + ps > b.length) throw cutOff(at);
      return [b, d];
    }
    const w = side.need(at, at + MAX_HEADER + ps);
    if (w) await w;
    const d = side.dataAt(at, direct) - side.win.base;
    if (d + ps > side.win.bytes.length) throw cutOff(at);
    return [side.win.bytes, d];
  };

  // The span: records spaced alike on both sides, compared as one range at flush(). Byte-equal
  // ranges hold byte-equal headers at the same places, so each page's bytes too: only the last
  // record's header is read (a first touch of each header costs a cache miss, per page).
  const CAP = 512;
  const lAt = new Float64Array(CAP);
  const rAt = new Float64Array(CAP);
  const pageOf = new Float64Array(CAP);
  const cellsOf: Uint8Array[] = new Array(CAP);
  const dirOf = new Uint8Array(CAP);
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    const lw = L.win;
    const rw = R.win;
    const last = n - 1;
    const lEnd = L.dataAt(lAt[last], dirOf[last] !== 0) + ps;
    const rEnd = R.dataAt(rAt[last], dirOf[last] !== 0) + ps;
    if (lEnd > lw.base + lw.bytes.length) throw cutOff(lAt[last]);
    if (rEnd > rw.base + rw.bytes.length) throw cutOff(rAt[last]);
    if (lEnd - lAt[0] !== rEnd - rAt[0] || !equal(lw.bytes, lAt[0] - lw.base, rw.bytes, rAt[0] - rw.base, lEnd - lAt[0])) {
      for (let k = 0; k < n; k++) {
        const la = L.dataAt(lAt[k], dirOf[k] !== 0);
        const ra = R.dataAt(rAt[k], dirOf[k] !== 0);
        if (la + ps > lw.base + lw.bytes.length) throw cutOff(lAt[k]);
        if (ra + ps > rw.base + rw.bytes.length) throw cutOff(rAt[k]);
        if (!equal(lw.bytes, la - lw.base, rw.bytes, ra - rw.base, ps)) cellsOf[k][pageOf[k]] = RAM_DIFF_CELL.differ;
      }
    }
    n = 0;
  };

  let rLast = -1;
  let done = 0;
  for (const { f: l, first, count, offset, stride } of lruns) {
    const r = rf.get(l.name);
    const c = cells.get(l.name);
    if (!r || !c) continue;
    const rseen = seen.get(l.name)!;
    for (let i = 0; i < count; i++) {
      const p = first + i;
      const lo = offset + i * stride;
      if (p >= c.length || l.offset[p] !== lo) continue;
      if ((++done & 0xfff) === 0 && opts.signal?.aborted) throw new CancelledError();
      rseen[p] = 1;
      const lk = l.kind[p];
      const rk = r.kind[p];
      if (lk === PageKind.Zero && (rk === PageKind.Zero || rk === NOT_SENT)) continue;
      if (lk > PageKind.Data || rk > PageKind.Data) {
        c[p] = RAM_DIFF_CELL.unknown;
        continue;
      }
      const ro = r.offset[p];
      if (lk === PageKind.Data && rk === PageKind.Data && ro >= rLast && l.direct === r.direct) {
        if (n > 0 && (lo - lAt[n - 1] !== ro - rAt[n - 1] || lo - lAt[0] >= SPAN || n === CAP)) flush();
        const wl = L.need(n ? lAt[0] : lo, lo + MAX_HEADER + ps);
        if (wl) await wl;
        const wr = R.need(n ? rAt[0] : ro, ro + MAX_HEADER + ps);
        if (wr) await wr;
        ((lAt[n] = lo), (rAt[n] = ro), (pageOf[n] = p), (cellsOf[n] = c), (dirOf[n] = l.direct ? 1 : 0), n++);
        rLast = ro;
        continue;
      }
      // A zero page against a data page, or the right page out of order: this page alone.
      flush();
      const inOrder = rk === PageKind.Data && ro >= rLast;
      if (inOrder) rLast = ro;
      const [lb, la] = lk === PageKind.Data ? await page(L, lo, l.direct, true) : [null, 0];
      const [rb, ra] = rk === PageKind.Data ? await page(R, ro, r.direct, inOrder) : [null, 0];
      const same = lb && rb ? equal(lb, la, rb, ra, ps) : lb ? isZero(lb, la, ps) : isZero(rb!, ra, ps);
      if (!same) c[p] = RAM_DIFF_CELL.differ;
    }
  }
  flush();

  // Pages only the right file sent, against the left's zero pages.
  const tail = new Side(rs);
  for (const { f: r, first, count, offset, stride } of runsInOrder(rram, rf)) {
    const c = cells.get(r.name);
    if (!c) continue;
    const rseen = seen.get(r.name)!;
    for (let i = 0; i < count; i++) {
      const p = first + i;
      if (p >= c.length || rseen[p] || r.offset[p] !== offset + i * stride || r.kind[p] === PageKind.Zero) continue;
      if (r.kind[p] !== PageKind.Data) c[p] = RAM_DIFF_CELL.unknown;
      else {
        const [b, at] = await page(tail, offset + i * stride, r.direct, true);
        if (!isZero(b, at, ps)) c[p] = RAM_DIFF_CELL.differ;
      }
    }
  }
  const blocks = blockNames(lf.keys(), rf.keys()).map((name) => blockDiff(name, lf.get(name), rf.get(name), (p) => cells.get(name)![p], opts.maxCells));
  return ramDiff(ps, blocks);
}
