// RAM of two files compared block by block, page by page, from their page hashes (ram-hash.ts):
// how many pages differ, which cannot be compared, and a picture of where.

import type { PageHashes } from './ram-hash.ts';
import { PAGE_STATE } from './ram-hash.ts';
import { RAM_DIFF_CELL, type RamBlockDiff, type RamDiff } from './types.ts';

/** Page numbers of the first differences kept per block. */
const FIRST_KEPT = 16;

export function compareRam(left: Map<string, PageHashes>, right: Map<string, PageHashes>, pageSize: number, maxCells = 512): RamDiff {
  const blocks: RamBlockDiff[] = [];
  const names = [...left.keys(), ...[...right.keys()].filter((k) => !left.has(k))];
  for (const name of names) {
    const l = left.get(name);
    const r = right.get(name);
    const pages = Math.max(l?.pages ?? 0, r?.pages ?? 0);
    const pagesPerCell = Math.max(1, Math.ceil(pages / Math.max(1, maxCells)));
    const cells = new Uint8Array(Math.ceil(pages / pagesPerCell));
    const d: RamBlockDiff = { name, leftLength: l?.length, rightLength: r?.length, pages, differing: 0, unknown: 0, pagesPerCell, cells, firstDiffering: [] };
    if (!l || !r) {
      d.only = l ? 'left' : 'right';
      cells.fill(RAM_DIFF_CELL.differ);
      blocks.push(d);
      continue;
    }
    const common = Math.min(l.pages, r.pages);
    for (let p = 0; p < pages; p++) {
      let cell: number;
      if (p >= common) cell = RAM_DIFF_CELL.differ;
      else if (l.state[p] === PAGE_STATE.other || r.state[p] === PAGE_STATE.other) cell = RAM_DIFF_CELL.unknown;
      else cell = l.h1[p] === r.h1[p] && l.h2[p] === r.h2[p] ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
      if (cell === RAM_DIFF_CELL.same) continue;
      if (cell === RAM_DIFF_CELL.unknown) d.unknown++;
      else {
        d.differing++;
        if (d.firstDiffering.length < FIRST_KEPT) d.firstDiffering.push(p);
      }
      const c = Math.floor(p / pagesPerCell);
      if (cells[c] !== RAM_DIFF_CELL.differ) cells[c] = cell;
    }
    blocks.push(d);
  }
  return { pageSize, blocks, differing: blocks.reduce((n, b) => n + b.differing, 0) };
}
