// Paired data pages (ram-lockstep.ts) compared in runs: pages that lie at the same distances from
// each other in both files' windows (records back to back, as ram.c writes a block's pages) are
// compared as one range, headers between them included, and only a range that differs page by
// page. One call per megabyte instead of one per 4 KiB page: Node's Buffer#compare checks its
// arguments in JS on every call, and the plain JS comparison makes two views per call.

import type { EqualBytes } from './ram-paired.ts';
import { RAM_DIFF_CELL } from './types.ts';

/** Pages per range: a megabyte of 4 KiB pages, still in the CPU's cache from the read. */
const CAP = 256;

/** A page's cell, where it goes. */
export interface CellSink {
  cell: Uint8Array;
}

export class PairSpan {
  private n = 0;
  private l: Uint8Array | null = null;
  private r: Uint8Array | null = null;
  private readonly lAt = new Float64Array(CAP);
  private readonly rAt = new Float64Array(CAP);
  private readonly page = new Float64Array(CAP);
  private readonly into: CellSink[] = new Array(CAP);
  private ps = 0;

  constructor(private readonly equal: EqualBytes) {}

  /** Left page bytes l[lAt, lAt + ps) against right r[rAt, rAt + ps); the result lands in into.cell[page] by flush(). */
  add(into: CellSink, page: number, l: Uint8Array, lAt: number, r: Uint8Array, rAt: number, ps: number): void {
    const n = this.n;
    if (n > 0 && (n === CAP || l !== this.l || r !== this.r || ps !== this.ps || lAt <= this.lAt[n - 1] || lAt - this.lAt[0] !== rAt - this.rAt[0])) this.flush();
    if (this.n === 0) ((this.l = l), (this.r = r), (this.ps = ps));
    const k = this.n++;
    ((this.lAt[k] = lAt), (this.rAt[k] = rAt), (this.page[k] = page), (this.into[k] = into));
  }

  /** Compares what was added; before either file's window is read over, and at the end. */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const { l, r, ps } = this;
    const len = this.lAt[n - 1] + ps - this.lAt[0];
    const all = n > 1 && this.equal(l!, this.lAt[0], r!, this.rAt[0], len);
    for (let k = 0; k < n; k++) {
      const same = all || this.equal(l!, this.lAt[k], r!, this.rAt[k], ps);
      const c = this.into[k];
      const p = this.page[k];
      if (p >= c.cell.length) {
        const g = new Uint8Array(Math.max(p + 1, c.cell.length * 2));
        g.set(c.cell);
        c.cell = g;
      }
      c.cell[p] = same ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
    }
    ((this.l = null), (this.r = null));
  }
}
