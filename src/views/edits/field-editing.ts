// How a decoded leaf is edited in the field tree: which control, what it starts with, and the
// text the worker gets (format/field-codecs.ts encodeLeaf reads it). The worker plans and
// guards the edit; the checks here only answer typing mistakes at once.

import { bytesToHex, encodeLeaf, hexToBytes, INT_TYPES } from '../../format/field-codecs.ts';
import type { FieldNode } from '../../format/model.ts';
import { intText } from '../common/format-value.ts';

export type EditorKind = 'int' | 'bool' | 'float' | 'timer' | 'bytes' | 'text';

export type Editor = { kind: EditorKind; text: string; checked: boolean; hint: string } | { kind: 'none'; reason: string };

const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]*$/.test(v);

/** Codec type of a leaf: opaque blobs edit as buffers. */
export const codecType = (n: FieldNode) => (n.kind === 'opaque' ? 'buffer' : n.type);

function intHint(type: string, bytes: number, signed: boolean): string {
  const bits = BigInt(bytes * 8);
  const range = signed ? `${-(1n << (bits - 1n))} … ${(1n << (bits - 1n)) - 1n}` : `0 … 0x${((1n << bits) - 1n).toString(16)}`;
  return `${type}: ${range}; decimal or 0x hex`;
}

/** Hex bytes one by one, 16 to a line like the hex view, so a byte is easy to find and change. */
export function spacedHex(hex: string): string {
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 32) lines.push(hex.slice(i, i + 32).replace(/(..)(?!$)/g, '$1 '));
  return lines.join('\n');
}

export function editorFor(n: FieldNode): Editor | null {
  if (n.children) return null;
  const v = n.value;
  const int = INT_TYPES[n.type];
  if (int && int.bytes === n.size) return { kind: 'int', text: intText(v ?? 0, int.bytes).split(' ')[0], checked: false, hint: intHint(n.type, int.bytes, int.signed) };
  switch (n.type) {
    case 'nullptr':
    case 'ptr-marker':
      return { kind: 'none', reason: 'a NULL-pointer placeholder must stay 0x30' };
    case 'bool':
      return { kind: 'bool', text: '', checked: v === true || (typeof v === 'number' && v !== 0), hint: 'bool: QEMU writes 0 or 1' };
    case 'CPU_Double_U':
    case 'float64':
      return { kind: 'float', text: String(v ?? 0), checked: false, hint: `${n.type}: a number (or 0x and 16 hex digits for the exact bits)` };
    case 'timer':
      return { kind: 'timer', text: v === null ? '' : String(v), checked: v === null, hint: 'timer: expiry in ns, or not armed' };
    case 'capability':
      return { kind: 'text', text: String(v ?? ''), checked: false, hint: `capability: ${n.size - 1} characters` };
  }
  if (isHex(v) && v.length === n.size * 2) return { kind: 'bytes', text: spacedHex(v), checked: false, hint: `${n.size} byte${n.size === 1 ? '' : 's'} as hex` };
  return { kind: 'none', reason: `${n.size.toLocaleString('en-US')} bytes are too many to edit here; overwrite them in the hex view` };
}

/** The text sent to the worker for the control's state. */
export function editorValue(kind: EditorKind, text: string, checked: boolean): string {
  if (kind === 'bool') return checked ? 'true' : 'false';
  if (kind === 'timer' && checked) return 'not armed';
  return text;
}

/** A typing mistake, said the way the worker would; null when the text encodes. */
export function checkValue(n: FieldNode, value: string): string | null {
  const r = encodeLeaf(codecType(n), n.size, value);
  return r.ok ? null : `${n.path}: ${r.reason}`;
}

/**
 * What to send for a buffer edit: when exactly one byte changed, that byte's path
 * ("cmos_data[63]"), so the edit list and a patch name the byte; otherwise the whole field.
 */
export function bufferEdit(n: FieldNode, value: string): { path: string; value: string } {
  const was = isHex(n.value) ? hexToBytes(n.value) : null;
  const now = hexToBytes(value);
  if (!was || !now || was.length !== now.length) return { path: n.path, value };
  const changed = [...now.keys()].filter((i) => now[i] !== was[i]);
  if (changed.length !== 1) return { path: n.path, value };
  const i = changed[0];
  return { path: `${n.path}[${i}]`, value: `0x${bytesToHex(now.subarray(i, i + 1))}` };
}

/** "[63] 00 → 5a, [64] 01 → 02" for long hex values in the edit list; short values as they are. */
export function changeText(before: string, after: string, max = 4): string {
  if (!(isHex(before) && isHex(after) && before.length === after.length && before.length > 16)) return `${before || '""'} → ${after || '""'}`;
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; i < before.length; i += 2) {
    if (before.substr(i, 2) === after.substr(i, 2)) continue;
    if (++count <= max) parts.push(`[${i / 2}] ${before.substr(i, 2)} → ${after.substr(i, 2)}`);
  }
  return count > max ? `${parts.join(', ')} and ${count - max} more bytes` : parts.join(', ') || 'no byte changed';
}
