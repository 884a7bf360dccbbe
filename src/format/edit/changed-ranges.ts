// Which bytes of the edited file differ from the original: the page marks them (hex view, field
// tree, section table). Computed from the piece table, so a reverted or undone value, or an edit
// that wrote the same bytes, marks nothing.

import type { ByteRange } from '../byte-range.ts';
import type { ByteSource } from '../byte-source.ts';
import { PieceTable, type Spliced } from './piece-table.ts';

/** Ranges closer than this merge into one: fewer ranges for the page to test against. */
const MERGE_GAP = 0;

function push(out: ByteRange[], from: number, to: number): void {
  const last = out[out.length - 1];
  if (last && from - last.to <= MERGE_GAP) last.to = Math.max(last.to, to);
  else out.push({ from, to });
}

export async function changedRanges(original: ByteSource, actions: readonly Spliced[]): Promise<ByteRange[]> {
  const runs = PieceTable.of(original.size, actions).runs();
  const out: ByteRange[] = [];
  let pos = 0;
  let i = 0;
  // Inserted runs between two original slices replace the original bytes between them.
  let prevEnd = 0;
  while (i < runs.length) {
    const run = runs[i];
    if (run.original) {
      pos += run.length;
      prevEnd = run.start + run.length;
      i++;
      continue;
    }
    const start = pos;
    const inserted: Uint8Array[] = [];
    for (; i < runs.length && !runs[i].original; i++) {
      const r = runs[i] as { bytes: Uint8Array };
      inserted.push(r.bytes);
      pos += r.bytes.length;
    }
    const next = runs[i];
    const nextStart = next?.original ? next.start : original.size;
    const length = pos - start;
    if (nextStart - prevEnd !== length) {
      // The size changed here: everything inserted counts as changed.
      push(out, start, pos);
      continue;
    }
    const old = await original.read(prevEnd, length);
    let at = 0;
    for (const bytes of inserted) {
      for (let k = 0; k < bytes.length; k++, at++) {
        if (bytes[k] === old[at]) continue;
        let end = at + 1;
        while (k + 1 < bytes.length && bytes[k + 1] !== old[end]) {
          k++;
          end++;
        }
        push(out, start + at, start + end);
        at = end - 1;
      }
    }
  }
  return out;
}
