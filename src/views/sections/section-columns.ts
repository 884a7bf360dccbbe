// Columns of the section table: one row per record, so the rows account for every byte.

import { createColumnHelper } from '@tanstack/react-table';
import { PROBLEM_CODES } from '../../format/errors.ts';
import type { StreamRecord } from '../../format/model.ts';

export type RecordStatus = 'ok' | 'warning' | 'error';

export function recordStatus(r: StreamRecord): { status: RecordStatus; message: string } {
  const worst = r.problems.find((p) => p.severity === 'error') ?? r.problems.find((p) => p.severity === 'warning');
  if (!worst) return { status: 'ok', message: '' };
  const more = r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : '';
  return { status: worst.severity === 'error' ? 'error' : 'warning', message: `${PROBLEM_CODES[worst.code].title}: ${worst.message}${more}` };
}

export function recordType(r: StreamRecord): string {
  if (r.kind === 'section') return (r.sectionType ?? 'section').toUpperCase();
  if (r.kind === 'command') return `command ${r.command?.name ?? ''}`.trim();
  if (r.kind === 'eof') return 'EOF';
  return r.kind;
}

const col = createColumnHelper<StreamRecord>();

// Accessors give sort keys (cells render through SectionCell); records without an id sort first.
// Sizes are pixels, user-resizable (TanStack column sizing). Each default is the widest of its
// header (11 px bold, two lines at most) and the usual values ("header", "0x1f9eeb3", "136,099",
// "supplied", a WARNING badge) in 12 px text, measured in Chromium, plus the 8 px of padding. All of
// them (579 px) fit the left pane of a 1400 px window with a 15 px desktop scrollbar
// (app/pane-layout.ts SECTIONS_WIDTH; e2e/layout.spec.ts). Device takes the rest: long idstrs are
// what a wider pane is for.
export const SECTION_COLUMNS = [
  col.accessor(recordType, { id: 'type', header: 'Type', sortingFn: 'text', size: 51, minSize: 36 }),
  col.accessor((r) => r.sectionId ?? -1, { id: 'sectionId', header: 'Section ID', sortingFn: 'basic', size: 55, minSize: 30 }),
  col.accessor((r) => r.idstr ?? '', { id: 'device', header: 'Device', sortingFn: 'text', size: 90, minSize: 90, enableResizing: false }),
  col.accessor((r) => r.instanceId ?? -1, { id: 'instance', header: 'Instance', sortingFn: 'basic', size: 62, minSize: 30 }),
  col.accessor((r) => r.versionId ?? -1, { id: 'version', header: 'Version', sortingFn: 'basic', size: 55, minSize: 30 }),
  col.accessor((r) => r.offset, { id: 'offset', header: 'Offset', sortingFn: 'basic', size: 73, minSize: 40 }),
  col.accessor((r) => r.size, { id: 'size', header: 'Size', sortingFn: 'basic', size: 58, minSize: 40 }),
  col.accessor((r) => r.decodedBy ?? '', { id: 'decodedBy', header: 'Decoded by', sortingFn: 'text', size: 62, minSize: 40 }),
  col.accessor((r) => ['ok', 'warning', 'error'].indexOf(recordStatus(r).status), { id: 'status', header: 'Status', sortingFn: 'basic', size: 73, minSize: 44, maxSize: 800 }),
];

/**
 * Widths (px) the Offset and Size columns need for the largest offset and size shown: their defaults (73, 58) hold
 * "0x1f9eeb3" and "136,099", and a 4 GiB stream's "0xfa8385c0" and "4,202,954,189" were cut to
 * "0xfa838…" and "6,344…", the figures a person copies from the table. Measured in Chromium
 * in the table's 12 px text: 7.23 px per monospace character, 7.63 per digit and 3.82 per comma
 * of the proportional font; 8 px of padding and 1 to spare.
 */
export function offsetColumnWidth(maxOffset: number): number {
  const chars = 2 + Math.max(0, maxOffset).toString(16).length;
  return chars <= 9 ? 73 : Math.ceil(chars * 7.23) + 9;
}

export function sizeColumnWidth(maxSize: number): number {
  const digits = String(Math.max(0, maxSize)).length;
  return digits <= 6 ? 58 : Math.max(58, Math.ceil(digits * 7.63 + Math.floor((digits - 1) / 3) * 3.82) + 9);
}

/** This column has no width of its own: it fills what the others leave (at least its size). */
export const FILL_COLUMN = 'device';

/** Text the filter box matches against: everything a row shows. */
export function rowText(r: StreamRecord): string {
  const { status, message } = recordStatus(r);
  return [recordType(r), r.sectionId, r.idstr, r.instanceId, r.versionId, `0x${r.offset.toString(16)}`, r.size, r.decodedBy, status, message, r.vmsdName]
    .filter((v) => v !== undefined && v !== null)
    .join(' ')
    .toLowerCase();
}
