// The strict self-check before a download (format.md §11 item 7): the edited file must frame
// exactly as the original. Without footers this is the only protection, since QEMU "succeeds"
// while silently skipping devices when a section is a byte too long or short (§2.5).

import type { StreamModel } from './model.ts';

export interface FramingReport {
  ok: boolean;
  reasons: string[];
}

export function compareFraming(original: StreamModel, edited: StreamModel): FramingReport {
  const reasons: string[] = [];
  if (original.complete && !edited.complete) reasons.push('the edited file no longer reaches its EOF record');
  if (edited.records.length !== original.records.length) {
    reasons.push(`the edited file has ${edited.records.length} records, the original ${original.records.length}`);
  }
  const n = Math.min(edited.records.length, original.records.length);
  for (let i = 0; i < n; i++) {
    const a = original.records[i];
    const b = edited.records[i];
    const name = b.idstr ?? b.kind;
    if (a.kind !== b.kind || a.sectionType !== b.sectionType || a.sectionId !== b.sectionId) {
      reasons.push(`record ${i} (${name}) is a different record after the edit`);
    } else if (a.kind === 'section' && a.exact && !b.exact && b.footerOffset === undefined) {
      // With a footer the end is still certain (a renamed section may lose its description).
      reasons.push(`${name} no longer ends exactly where the next record begins`);
    } else if (b.heuristic && !a.heuristic) {
      reasons.push(`${name} can only be framed by a heuristic after the edit`);
    } else if (a.dataSize !== b.dataSize) {
      reasons.push(`${name}: its data is ${b.dataSize} bytes, was ${a.dataSize}`);
    }
    if (reasons.length >= 10) break;
  }
  const errorsBefore = new Set(original.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}:${p.path ?? ''}`));
  for (const p of edited.problems) {
    if (p.severity === 'error' && !errorsBefore.has(`${p.code}:${p.path ?? ''}`)) reasons.push(`new error at 0x${p.offset.toString(16)}: ${p.message}`);
  }
  return { ok: reasons.length === 0, reasons };
}
