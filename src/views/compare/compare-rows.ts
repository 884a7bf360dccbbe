// What the comparison shows, derived from a DiffResult: the sections kept by the filter, and a
// section's differing fields grouped as in the tree (array elements and buffer bytes under their
// array or buffer, counted), so 4,000 changed bytes of a buffer are one row until opened.

import { wholeEqual } from '../../format/diff/text.ts';
import type { DiffResult, FieldDiff, SectionDiff, SectionStatus } from '../../format/diff/types.ts';
import { decimalText } from '../../format/diff/values.ts';
import type { FieldNode } from '../../format/model.ts';

export const STATUS_TEXT: Record<SectionStatus, string> = {
  same: 'same',
  changed: 'changed',
  'only-left': 'only left',
  'only-right': 'only right',
  version: 'version differs',
};

const CONTAINER_NAMES = { 'libvirt/was_running': 'was_running', 'libvirt/compressed': 'compression', 'libvirt/xml': 'domain XML', 'libvirt/cookie': 'cookie XML' } as const;

/**
 * The comparison's one-line summary. "same device state" only when the files agree in everything
 * compared (wholeEqual, as the CLI's first word and exit code): two libvirt images differing only
 * in was_running or their XML read "same device state" before, with nothing else shown.
 */
export function compareSummary(d: DiffResult): string {
  const c = d.counts;
  const devices = d.equal ? (wholeEqual(d) ? 'same device state' : 'devices the same') : `${c.changed} changed, ${c.version} version, ${c['only-left']} only left, ${c['only-right']} only right`;
  const ram = d.ram ? ` · RAM: ${d.ram.differing} pages differ` : '';
  const container = d.container?.length ? ` · libvirt: ${d.container.map((x) => CONTAINER_NAMES[x.path]).join(', ')} differ${d.container.length === 1 ? 's' : ''}` : '';
  return devices + ram + container;
}

export function visibleSections(sections: readonly SectionDiff[], onlyChanged: boolean): SectionDiff[] {
  return onlyChanged ? sections.filter((s) => s.status !== 'same') : [...sections];
}

export type FieldRow =
  | { kind: 'group'; key: string; group: string; count: number; open: boolean }
  | { kind: 'field'; key: string; field: FieldDiff; depth: 0 | 1 };

/** Groups of one element stay a plain row: a group header for one field says nothing. */
export function fieldRows(fields: readonly FieldDiff[], open: ReadonlySet<string>): FieldRow[] {
  const byGroup = new Map<string, FieldDiff[]>();
  for (const f of fields) if (f.group) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f]);
  const rows: FieldRow[] = [];
  const done = new Set<string>();
  for (const f of fields) {
    const members = f.group ? byGroup.get(f.group)! : null;
    if (!members || members.length < 2) {
      rows.push({ kind: 'field', key: f.path, field: f, depth: 0 });
      continue;
    }
    if (done.has(f.group!)) continue;
    done.add(f.group!);
    const isOpen = open.has(f.group!);
    rows.push({ kind: 'group', key: `group:${f.group}`, group: f.group!, count: members.length, open: isOpen });
    if (isOpen) for (const m of members) rows.push({ kind: 'field', key: m.path, field: m, depth: 1 });
  }
  return rows;
}

/** "0x3f (63)" for integers, the typed text otherwise; "—" for a side that has no such field. */
export function sideText(side: FieldDiff['left']): string {
  if (!side) return '—';
  const dec = decimalText(side);
  return dec !== null && dec !== side.text ? `${side.text} (${dec})` : side.text;
}

/** The bytes to show around a field: whole 16-byte rows, at least `rows` of them. */
export function hexWindow(offset: number, size: number, fileSize: number, rows = 8): { from: number; to: number } {
  const from = Math.max(0, Math.floor(offset / 16) * 16 - 32);
  const end = Math.max(offset + Math.min(size, 16 * 64), from + rows * 16);
  return { from, to: Math.min(fileSize, Math.ceil(end / 16) * 16) };
}

/** The deepest field covering `offset`, for a byte's annotation. */
export function leafAt(fields: readonly FieldNode[] | undefined, offset: number): FieldNode | null {
  for (const n of fields ?? []) {
    if (offset < n.offset || offset >= n.offset + n.size) continue;
    return leafAt(n.children, offset) ?? n;
  }
  return null;
}

/** The leaves (deepest fields) with bytes in [from, to), in file order: a snippet's annotations. */
export function leavesIn(fields: readonly FieldNode[] | undefined, from: number, to: number, out: FieldNode[] = []): FieldNode[] {
  for (const n of fields ?? []) {
    if (n.offset >= to || n.offset + n.size <= from) continue;
    if (n.children?.length) leavesIn(n.children, from, to, out);
    else out.push(n);
  }
  return out;
}
