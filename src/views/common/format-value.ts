// How a decoded value reads in the tree, the hex tooltips and the search: integers in hex and
// decimal, timers as "not armed" or their expiry, buffers as a short hex preview.

import { INT_TYPES } from '../../format/field-codecs.ts';
import type { FieldNode, FieldValue } from '../../format/model.ts';

const PREVIEW_BYTES = 8;

export function intText(value: FieldValue, bytes: number): string {
  if (typeof value !== 'number' && typeof value !== 'string') return String(value);
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    return String(value);
  }
  const pattern = v < 0n ? v + (1n << BigInt(bytes * 8)) : v;
  return `0x${pattern.toString(16)} (${v.toString()})`;
}

export function hexPreview(hexText: string, size: number): string {
  const shown = Math.min(PREVIEW_BYTES, size, Math.floor(hexText.replace('…', '').length / 2));
  const pairs: string[] = [];
  for (let i = 0; i < shown; i++) pairs.push(hexText.substr(i * 2, 2));
  return `${pairs.join(' ')}${size > shown ? ' …' : ''} (${size.toLocaleString('en-US')} byte${size === 1 ? '' : 's'})`;
}

/** Display text of a node's value; containers get a summary. */
export function formatValue(node: FieldNode): string {
  const n = node.children?.length ?? 0;
  switch (node.kind) {
    case 'array':
      return `${n} element${n === 1 ? '' : 's'}`;
    case 'list':
      return `${n} item${n === 1 ? '' : 's'}`;
    case 'subsection':
      return `version ${node.version ?? '?'}`;
    case 'struct':
      return node.version !== undefined ? `version ${node.version}` : '';
  }
  const v = node.value;
  if (node.type === 'timer') return v === null ? 'not armed' : `expires at ${typeof v === 'number' ? v.toLocaleString('en-US') : v} ns`;
  const int = INT_TYPES[node.type];
  if (int && int.bytes === node.size) return intText(v ?? null, int.bytes);
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (node.type === 'capability') return JSON.stringify(v);
  if (/^[0-9a-f]*…?$/.test(v) && v.length >= 2 && node.size > 0) return hexPreview(v, node.size);
  return v;
}

/** The text put on the clipboard: the full value, not the preview. */
export function copyText(node: FieldNode): string {
  const v = node.value;
  if (node.type === 'timer') return v === null ? 'not armed' : String(v);
  const int = INT_TYPES[node.type];
  if (int && int.bytes === node.size && v !== undefined && v !== null) return intText(v, int.bytes).split(' ')[0];
  return v === undefined || v === null ? formatValue(node) : String(v);
}
