// The RAM difference from what a lockstep comparison (ram-lockstep.ts) saw: for each page, each
// side's last record was either one of a pair, compared byte for byte during the scans, or hashed
// alone. Both in the same pair: that pair's result. Both hashed (or never sent, a zero page on a
// fresh destination): their hashes, as compareRam (ram-diff.ts) compares them. One of each (a page
// sent again on one side after it was paired): its two last records are read once more, alone;
// there are few such pages in two saves of one guest.

import type { ByteSource } from '../byte-source.ts';
import { PageKind, RAM_FLAG, type RamState } from '../ram.ts';
import { blockDiff, blockNames, ramDiff, type BlockSide } from './ram-diff.ts';
import type { PageHashes } from './ram-hash.ts';
import { PAGE_STATE, PageHasher } from './ram-hash.ts';
import { SEEN, type RamLockstep } from './ram-lockstep.ts';
import { finals, type EqualBytes, type Finals } from './ram-paired.ts';
import { RAM_DIFF_CELL, type RamDiff } from './types.ts';
import { equalBytes } from '../bytes-equal.ts';

/** Longest record header: be64 address|flags, counted block name (ram.c save_page_header). */
const MAX_HEADER = 8 + 1 + 255;

function hashCell(l: PageHashes, r: PageHashes, p: number): number {
  if (l.state[p] === PAGE_STATE.other || r.state[p] === PAGE_STATE.other) return RAM_DIFF_CELL.unknown;
  return l.h1[p] === r.h1[p] && l.h2[p] === r.h2[p] ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
}

/** A page's last record read alone: its bytes, or null for a zero page (or one never sent); 'other' for XBZRLE and compressed pages. */
async function lastRecord(source: ByteSource, f: Finals, p: number, ps: number): Promise<Uint8Array | null | 'other'> {
  const kind = f.kind[p];
  if (kind !== PageKind.Data) return kind > PageKind.Data ? 'other' : null;
  const at = f.offset[p];
  const b = await source.read(at, MAX_HEADER + ps);
  const d = f.direct ? 0 : 8 + ((b[7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + b[8]);
  if (d + ps > b.length) throw new Error(`RAM page record at ${at} is cut off by the end of the file`);
  return b.subarray(d, d + ps);
}

const zero = (b: Uint8Array) => b.every((x) => x === 0);

/** Each block's length and pages (past its length where records say so), as PageHasher.finish counts them. */
function sides(ram: RamState): Map<string, BlockSide> {
  const out = new Map<string, BlockSide>();
  for (const b of ram.blocks.values()) {
    let pages = Math.ceil(b.length / ram.pageSize);
    b.forEachRun((first, count) => (pages = Math.max(pages, first + count)));
    out.set(b.name, { length: b.length, pages });
  }
  return out;
}

/**
 * The difference of the two scanned streams, or null where the lockstep comparison could not see
 * every page (mapped-ram pages are not passed to the sinks; a page to read again whose block's
 * index was cut short): the caller compares them another way.
 */
export async function lockstepResult(pair: RamLockstep, ls: ByteSource, lram: RamState, rs: ByteSource, rram: RamState, opts: { equal?: EqualBytes; maxCells?: number } = {}): Promise<RamDiff | null> {
  if (lram.mappedRam || rram.mappedRam) return null;
  const ps = lram.pageSize;
  const equal = opts.equal ?? equalBytes;
  // Hashes only where a side hashed records (two saves of one guest pair all of them).
  const lh = pair.left.hashed ? pair.left.hasher.finish(lram) : null;
  const rh = pair.right.hashed ? pair.right.hasher.finish(rram) : null;
  // A side that hashed nothing: its pages there were never sent, zero pages.
  const lz = lh ?? (rh ? new PageHasher(ps).finish(lram) : null);
  const rz = rh ?? (lh ? new PageHasher(ps).finish(rram) : null);
  const ln = sides(lram);
  const rn = sides(rram);
  const cells = new Map<string, Uint8Array>();
  let lf: Map<string, Finals> | null = null;
  let rf: Map<string, Finals> | null = null;
  for (const [name, l] of ln) {
    const r = rn.get(name);
    if (!r) continue;
    const c = new Uint8Array(Math.min(l.pages, r.pages));
    cells.set(name, c);
    const b = pair.blocks.get(name);
    const [sl, sr] = b?.seen ?? [new Uint8Array(0), new Uint8Array(0)];
    for (let p = 0; p < c.length; p++) {
      const a = p < sl.length ? sl[p] : SEEN.none;
      const z = p < sr.length ? sr[p] : SEEN.none;
      if (a === SEEN.paired && z === SEEN.paired) c[p] = b!.cell[p];
      else if (a === SEEN.none && z === SEEN.none) c[p] = RAM_DIFF_CELL.same; // never sent: zero on both
      else if (a !== SEEN.paired && z !== SEEN.paired) c[p] = hashCell(lz!.get(name)!, rz!.get(name)!, p);
      else {
        if (lram.blocks.get(name)?.truncatedIndex || rram.blocks.get(name)?.truncatedIndex) return null;
        lf ??= finals(lram);
        rf ??= finals(rram);
        const x = await lastRecord(ls, lf.get(name)!, p, ps);
        const y = await lastRecord(rs, rf.get(name)!, p, ps);
        if (x === 'other' || y === 'other') c[p] = RAM_DIFF_CELL.unknown;
        else c[p] = (x && y ? equal(x, 0, y, 0, ps) : x ? zero(x) : y ? zero(y) : true) ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
      }
    }
  }
  const blocks = blockNames(ln.keys(), rn.keys()).map((name) => blockDiff(name, ln.get(name), rn.get(name), (p) => cells.get(name)![p], opts.maxCells));
  return ramDiff(ps, blocks);
}
