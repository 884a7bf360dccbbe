// Derived views of the store: computed from what is stored, never stored themselves.

import { recordTitle, type FieldNode, type StreamRecord } from '../format/model.ts';
import { fieldIndex } from './field-index.ts';
import type { ExplorerState } from './types.ts';

export function selectedRecord(s: ExplorerState): StreamRecord | null {
  return s.recordIndex !== null ? (s.model?.records[s.recordIndex] ?? null) : null;
}

export function selectedNode(s: ExplorerState): FieldNode | null {
  const rec = selectedRecord(s);
  return rec && s.fieldPath ? (fieldIndex(rec).byPath.get(s.fieldPath)?.node ?? null) : null;
}

export const hex = (n: number) => `0x${n.toString(16)}`;

/** "cpu (0) / env.regs[0]": the record's title, then the field path inside it. */
export function fieldLabel(rec: StreamRecord, path: string | null): string {
  const title = recordTitle(rec);
  if (!path) return title;
  return path.startsWith(`${title}/`) ? `${title} / ${path.slice(title.length + 1)}` : `${title} / ${path}`;
}

/** The status line: "0x3f-0x46 (8 bytes) cpu (0) / env.regs[0]" (inclusive end). */
export function selectionText(s: ExplorerState): string {
  const r = s.range;
  if (!r) return 'No selection';
  const n = r.to - r.from;
  const span = n === 1 ? `${hex(r.from)} (1 byte)` : `${hex(r.from)}-${hex(r.to - 1)} (${n.toLocaleString('en-US')} bytes)`;
  const rec = selectedRecord(s);
  return rec ? `${span} ${fieldLabel(rec, s.fieldPath)}` : span;
}
