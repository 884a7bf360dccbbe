// Finding what an edit names, one way for every caller (page, patch, revert, CLI): a field by
// path, one byte of a buffer by "path[i]", a section header by record, label or header values.

import { valueBytes } from '../field-types/index.ts';
import type { FieldNode, StreamModel, StreamRecord } from '../model.ts';
import { sectionLabel } from '../model.ts';

export function* walkFields(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) {
    yield n;
    yield* walkFields(n.children);
  }
}

export function findField(model: StreamModel, path: string): { record: StreamRecord; node: FieldNode } | null {
  for (const record of model.records) {
    if (!record.fields) continue;
    for (const node of walkFields(record.fields)) if (node.path === path) return { record, node };
  }
  return null;
}

/** What a field path names: a node, or (`byte` set) one byte of a byte buffer held in full. */
export interface FieldTarget {
  record: StreamRecord;
  node: FieldNode;
  byte?: number;
}

/** A field path, or "buffer[i]" for one byte of a buffer (e.g. "mc146818rtc (0)/cmos_data[63]"). */
export function findTarget(model: StreamModel, path: string): FieldTarget | null {
  const found = findField(model, path);
  if (found) return found;
  const m = /^(.*)\[(\d+)\]$/.exec(path);
  const buffer = m ? findField(model, m[1]) : null;
  const bytes = buffer && !buffer.node.children ? valueBytes(buffer.node.value) : null;
  const i = m ? Number(m[2]) : -1;
  if (!buffer || !bytes || bytes.length !== buffer.node.size || i >= bytes.length) return null;
  return { ...buffer, byte: i };
}

/** The three values of a START/FULL header. */
export interface HeaderFields {
  idstr: string;
  instanceId: number;
  versionId: number;
}

/** "IDSTR INSTANCE vVERSION": how a header change reads in the edit list and a patch. */
export const headerText = (h: HeaderFields): string => `${h.idstr} ${h.instanceId} v${h.versionId}`;

/** The inverse of headerText; an idstr may itself contain spaces. */
export function parseHeaderText(text: string): HeaderFields | null {
  const m = /^(.*) (\d+) v(\d+)$/.exec(text);
  return m ? { idstr: m[1], instanceId: Number(m[2]), versionId: Number(m[3]) } : null;
}

/** How an edit names a section: by its record (the page), its label (CLI, patch) or header values. */
export type SectionRef =
  | { index: number }
  | { label?: string; header?: HeaderFields; preferOffset?: number };

const hasHeader = (r: StreamRecord) => r.kind === 'section' && (r.sectionType === 'full' || r.sectionType === 'start');

/**
 * The record a header edit names. By index, that record whatever it is (planHeaderEdit says why it
 * has no header); otherwise the START/FULL section with that label and header values, the one at
 * `preferOffset` first when several match.
 */
export function findSection(model: StreamModel, ref: SectionRef): StreamRecord | null {
  if ('index' in ref) return model.records[ref.index] ?? null;
  const { label, header: h, preferOffset } = ref;
  const candidates = model.records.filter(
    (r) => hasHeader(r) && (label === undefined || sectionLabel(r.idstr!, r.instanceId!) === label) && (!h || (r.idstr === h.idstr && r.instanceId === h.instanceId && r.versionId === h.versionId)),
  );
  return candidates.find((r) => r.offset === preferOffset) ?? candidates[0] ?? null;
}
