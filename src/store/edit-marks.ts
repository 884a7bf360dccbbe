// Which bytes, fields and records are edited: derived from the worker's list of changed spans
// (sorted, disjoint), never stored.

import type { StreamModel } from '../format/model.ts';
import type { ByteRange } from '../format/byte-range.ts';

/** True when [from, to) overlaps any changed span. */
export function isChanged(changed: readonly ByteRange[], from: number, to: number): boolean {
  let lo = 0;
  let hi = changed.length - 1;
  // First span ending after `from`.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (changed[mid].to <= from) lo = mid + 1;
    else hi = mid - 1;
  }
  return lo < changed.length && changed[lo].from < to;
}

const NONE: ReadonlySet<number> = new Set();
const cache = new WeakMap<readonly ByteRange[], WeakMap<StreamModel, ReadonlySet<number>>>();

/** Indexes of the records holding changed bytes. */
export function editedRecords(model: StreamModel | null, changed: readonly ByteRange[]): ReadonlySet<number> {
  if (!model || changed.length === 0) return NONE;
  let byModel = cache.get(changed);
  if (!byModel) cache.set(changed, (byModel = new WeakMap()));
  let set = byModel.get(model);
  if (!set) {
    set = new Set(model.records.filter((r) => isChanged(changed, r.offset, r.offset + r.size)).map((r) => r.index));
    byModel.set(model, set);
  }
  return set;
}
