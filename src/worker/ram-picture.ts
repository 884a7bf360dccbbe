// A RAM block's pages reduced to a small picture: per cell, whether its pages arrived as zero
// pages, data pages or something else (XBZRLE, compressed), from the run index in format/ram.ts.

import { PageKind, type RamBlockIndex } from '../format/ram.ts';
import { RAM_CELL } from './protocol.ts';

export interface RamPicture {
  block: string;
  pages: number;
  pagesPerCell: number;
  cells: Uint8Array;
}

const CELL_OF_KIND: Record<number, number> = {
  [PageKind.Zero]: RAM_CELL.zero,
  [PageKind.Data]: RAM_CELL.data,
  [PageKind.Xbzrle]: RAM_CELL.other,
  [PageKind.Compressed]: RAM_CELL.other,
};

/** Pages of the block: from its announced length, or from the highest page sent. */
export function blockPages(block: RamBlockIndex, pageSize: number): number {
  let pages = Math.ceil(block.length / pageSize);
  block.forEachRun((first, count) => {
    pages = Math.max(pages, first + count);
  });
  return pages;
}

/**
 * The last record for a page wins (a later iteration resends dirty pages), as on the destination.
 * A cell shows data if any of its pages holds data, else other, else zero, else not sent.
 */
export function ramPicture(block: RamBlockIndex, pageSize: number, maxCells: number): RamPicture {
  const pages = blockPages(block, pageSize);
  const perPage = new Uint8Array(pages);
  block.forEachRun((first, count, kind) => perPage.fill(CELL_OF_KIND[kind], first, first + count));
  const cellsWanted = Math.max(1, Math.min(Math.floor(maxCells), pages));
  const pagesPerCell = Math.max(1, Math.ceil(pages / cellsWanted));
  const cells = new Uint8Array(Math.ceil(pages / pagesPerCell));
  const rank = [0, 1, 3, 2]; // notSent < zero < other < data
  for (let p = 0; p < pages; p++) {
    const c = Math.floor(p / pagesPerCell);
    if (rank[perPage[p]] > rank[cells[c]]) cells[c] = perPage[p];
  }
  return { block: block.name, pages, pagesPerCell, cells };
}
