// How a decoded leaf is edited in the field tree: which control, what it starts with, and the
// text the worker gets. Each field type's entry (format/field-types/) knows its control and
// parses the text; the worker plans and guards the edit, the checks here only answer typing
// mistakes at once.

import { bytesToHex, hexToBytes, leafType, valueBytes, type Editor, type EditorKind } from '../../format/field-types/index.ts';
import type { FieldNode } from '../../format/model.ts';

export type { Editor, EditorKind };

export function editorFor(n: FieldNode): Editor | null {
  if (n.children) return null;
  return leafType(n).editor(n.value ?? null, n.size);
}

/** The text sent to the worker for the control's state. */
export function editorValue(kind: EditorKind, text: string, checked: boolean): string {
  if (kind === 'bool') return checked ? 'true' : 'false';
  if (kind === 'timer' && checked) return 'not armed';
  return text;
}

/** A typing mistake, said the way the worker would; null when the text encodes. */
export function checkValue(n: FieldNode, value: string): string | null {
  const r = leafType(n).parse(value, n.size);
  return r.ok ? null : `${n.path}: ${r.reason}`;
}

/**
 * What to send for a buffer edit: when exactly one byte changed, that byte's path
 * ("cmos_data[63]"), so the edit list and a patch name the byte; otherwise the whole field.
 */
export function bufferEdit(n: FieldNode, value: string): { path: string; value: string } {
  const was = valueBytes(n.value);
  const now = hexToBytes(value);
  if (!was || !now || was.length !== now.length) return { path: n.path, value };
  const changed = [...now.keys()].filter((i) => now[i] !== was[i]);
  if (changed.length !== 1) return { path: n.path, value };
  const i = changed[0];
  return { path: `${n.path}[${i}]`, value: `0x${bytesToHex(now.subarray(i, i + 1))}` };
}

/**
 * "[63] 00 → 5a, [64] 01 → 02" for long byte values (`bytes`: the change's before/after are hex)
 * in the edit list; short values as they are.
 */
export function changeText(before: string, after: string, bytes = false, max = 4): string {
  const a = bytes ? hexToBytes(before) : null;
  const b = bytes ? hexToBytes(after) : null;
  if (!a || !b || a.length !== b.length || a.length <= 8) return `${before || '""'} → ${after || '""'}`;
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (++count <= max) parts.push(`[${i}] ${bytesToHex(a.subarray(i, i + 1))} → ${bytesToHex(b.subarray(i, i + 1))}`);
  }
  return count > max ? `${parts.join(', ')} and ${count - max} more bytes` : parts.join(', ') || 'no byte changed';
}

/** A long text's change (a domain XML): its first changed line before and after, not the whole text. */
export function textChange(before: string, after: string, max = 80): string {
  if (before.length <= max && after.length <= max) return `${before || '""'} → ${after || '""'}`;
  const a = before.split('\n');
  const b = after.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i < 0 ? Math.min(a.length, b.length) : i;
  const cut = (t: string | undefined) => (t === undefined ? '(no line)' : t.trim().length > max ? `${t.trim().slice(0, max)}…` : t.trim());
  return `line ${at + 1}: ${cut(a[at])} → ${cut(b[at])} (${before.length} → ${after.length} characters)`;
}
