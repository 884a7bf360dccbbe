// Shared by the RAM comparisons that read page bytes (ram-lockstep.ts during the scans,
// lockstep-result.ts for the pages it reads again): the byte comparison they take, and where
// each page's last record is. (The comparison that read both files again after their scans,
// page runs side by side, lived here; ram-lockstep.ts does it during the scans.)
//
// Only the last record of a page counts (ram.c ram_load_precopy overwrites; a page never sent is
// zero on a fresh destination), as with the hashes.

import type { RamState } from '../ram.ts';
import { equalBytes } from '../bytes-equal.ts';

/** True when a[aAt, aAt+n) and b[bAt, bAt+n) hold the same bytes. */
export type EqualBytes = (a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number) => boolean;

/** Plain JS (bytes-equal.ts). */
export const jsEqualBytes: EqualBytes = equalBytes;

/** Kind of a page no record was sent for. */
export const NOT_SENT = -1;

/** Per page of a block: where its last record is and what kind it is (PageKind, or NOT_SENT). */
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
