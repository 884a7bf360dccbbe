// Decoding a large migration stream again after each edit of a device field would take as long
// as opening it: the RAM is most of the file. When every changed byte lies in the data of the
// device sections that devicesFirst() locates from the end (format/devices-first.ts, issue #5),
// only those sections are decoded again and the rest of the model, RAM index included, is kept.
// devicesFirst decodes them exactly as the forward scan does (quick-rescan.test.ts checks it).
// A download still decodes the whole file before it is allowed.

import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { devicesFirst } from '../format/devices-first.ts';
import type { Splice } from '../format/edit/change.ts';
import type { StreamRecord } from '../format/model.ts';
import type { ScanResult } from '../format/scan.ts';

/** Below this size a full decode is quick anyway, and exact by construction. */
export const QUICK_RESCAN_FROM = 64 * 1024 * 1024;

/** The record whose bytes hold `offset` (records are in file order and tile the file). */
function recordAt(records: readonly StreamRecord[], offset: number): StreamRecord | undefined {
  let lo = 0;
  let hi = records.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = records[mid];
    if (offset < r.offset) hi = mid - 1;
    else if (offset >= r.offset + r.size) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/**
 * The scan of `source` (the file after `splices`, applied to the file `prev` describes), or null
 * when the quick way does not apply and the whole file must be decoded.
 */
export async function quickRescan(prev: ScanResult, source: ByteSource, splices: readonly Splice[], library?: DescriptionLibrary): Promise<ScanResult | null> {
  const recs = prev.model.records;
  if (source.size !== prev.model.fileSize || splices.length === 0) return null;
  const touched = new Set<number>();
  for (const s of splices) {
    const r = recordAt(recs, s.offset);
    const end = s.offset + s.inserted.length;
    if (s.removed.length !== s.inserted.length || !r || r.kind !== 'section' || r.sectionType !== 'full' || r.depth !== 0) return null;
    if (r.dataOffset === undefined || r.dataSize === undefined || s.offset < r.dataOffset || end > r.dataOffset + r.dataSize) return null;
    touched.add(r.index);
  }
  const found = await devicesFirst(source, { library });
  if (!found.ok) return null;
  const byOffset = new Map(recs.map((r) => [r.offset, r]));
  const replaced = new Map<number, StreamRecord>();
  for (const d of found.records) {
    const old = byOffset.get(d.offset);
    // The same section at the same place, or the model would not be the forward scan's.
    if (!old || old.size !== d.size || old.kind !== 'section' || old.idstr !== d.idstr || old.instanceId !== d.instanceId) return null;
    replaced.set(old.index, { ...d, index: old.index, depth: old.depth });
  }
  for (const i of touched) if (!replaced.has(i)) return null;
  const records = recs.map((r) => replaced.get(r.index) ?? r);
  // The scanner lists the records' problems first, then the stream's own (scan.ts run()).
  const ownProblems = prev.model.problems.slice(recs.reduce((n, r) => n + r.problems.length, 0));
  return { ...prev, model: { ...prev.model, records, problems: records.flatMap((r) => r.problems).concat(ownProblems) } };
}
