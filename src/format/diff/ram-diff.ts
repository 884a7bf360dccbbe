// RAM of two files compared block by block, page by page: how many pages differ, which cannot be
// compared, and a picture of where. The pages are compared from their hashes (ram-hash.ts) or
// directly, both files' bytes side by side during the scans (ram-lockstep.ts, lockstep-result.ts);
// either way the counting is this.

import type { PageHashes } from './ram-hash.ts';
import { PAGE_STATE } from './ram-hash.ts';
import { RAM_DIFF_CELL, type RamBlockDiff, type RamDiff } from './types.ts';

/** Page numbers of the first differences kept per block. */
const FIRST_KEPT = 16;

/** One side of a block: its length in bytes and its pages (never-sent pages count as zero). */
export interface BlockSide {
  length: number;
  pages: number;
}

/**
 * One block's difference. `cellOf(p)` says how page p compares for p below both sides' page
 * counts; pages past the shorter side always differ.
 */
export function blockDiff(name: string, l: BlockSide | undefined, r: BlockSide | undefined, cellOf: (page: number) => number, maxCells = 512): RamBlockDiff {
  const pages = Math.max(l?.pages ?? 0, r?.pages ?? 0);
  const pagesPerCell = Math.max(1, Math.ceil(pages / Math.max(1, maxCells)));
  const cells = new Uint8Array(Math.ceil(pages / pagesPerCell));
  const d: RamBlockDiff = { name, leftLength: l?.length, rightLength: r?.length, pages, differing: 0, unknown: 0, pagesPerCell, cells, firstDiffering: [] };
  if (!l || !r) {
    d.only = l ? 'left' : 'right';
    cells.fill(RAM_DIFF_CELL.differ);
    return d;
  }
  const common = Math.min(l.pages, r.pages);
  for (let p = 0; p < pages; p++) {
    const cell = p >= common ? RAM_DIFF_CELL.differ : cellOf(p);
    if (cell === RAM_DIFF_CELL.same) continue;
    if (cell === RAM_DIFF_CELL.unknown) d.unknown++;
    else {
      d.differing++;
      if (d.firstDiffering.length < FIRST_KEPT) d.firstDiffering.push(p);
    }
    const c = Math.floor(p / pagesPerCell);
    if (cells[c] !== RAM_DIFF_CELL.differ) cells[c] = cell;
  }
  return d;
}

/** Blocks in the left file's order, then those only the right file has. */
export function ramDiff(pageSize: number, blocks: RamBlockDiff[]): RamDiff {
  return { pageSize, blocks, differing: blocks.reduce((n, b) => n + b.differing, 0) };
}

export function blockNames(left: Iterable<string>, right: Iterable<string>): string[] {
  const l = [...left];
  return [...l, ...[...right].filter((k) => !l.includes(k))];
}

export function compareRam(left: Map<string, PageHashes>, right: Map<string, PageHashes>, pageSize: number, maxCells = 512): RamDiff {
  const blocks = blockNames(left.keys(), right.keys()).map((name) => {
    const l = left.get(name);
    const r = right.get(name);
    return blockDiff(name, l, r, (p) => {
      if (l!.state[p] === PAGE_STATE.other || r!.state[p] === PAGE_STATE.other) return RAM_DIFF_CELL.unknown;
      return l!.h1[p] === r!.h1[p] && l!.h2[p] === r!.h2[p] ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
    }, maxCells);
  });
  return ramDiff(pageSize, blocks);
}
