// How a differing value prints: typed, the way a person chasing a divergence reads it. Integers
// in hex at the field's width (QEMU's `info registers` and the hex view speak hex), with the
// decimal beside them where the page has room; buffer bytes as 0xNN; timers in ns.

import { bytesToHex, INT_TYPES } from '../field-types/index.ts';
import type { FieldNode, FieldValue } from '../model.ts';
import type { FieldSide } from './types.ts';

/** Longer byte values print their first bytes and their size (the JSON keeps the whole value). */
const MAX_SHOWN = 32;

export function intHex(value: FieldValue, size: number): string | null {
  if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+$/.test(value))) return null;
  let v = BigInt(value);
  if (v < 0n) v += 1n << BigInt(size * 8);
  return `0x${v.toString(16).padStart(size * 2, '0')}`;
}

export function valueText(type: string, size: number, value: FieldValue): string {
  // Buffers are bytes in the model (a preview of the first ones when larger than its limit).
  if (value instanceof Uint8Array) value = bytesToHex(value) + (value.length < size ? '…' : '');
  const int = INT_TYPES[type];
  if (int && int.bytes === size) return intHex(value, size) ?? String(value);
  if (type === 'timer') return value === null ? 'not armed' : String(value);
  if (value === null) return 'null';
  if (typeof value === 'string' && /^[0-9a-f]*$/.test(value) && value.length === size * 2) {
    return size <= MAX_SHOWN ? `0x${value}` : `0x${value.slice(0, MAX_SHOWN * 2)}… (${size} bytes)`;
  }
  if (typeof value === 'string' && value.endsWith('…')) return `0x${value} (${size} bytes)`;
  return String(value);
}

/** The decimal of an integer side, when it says something the hex does not. */
export function decimalText(side: FieldSide): string | null {
  const int = INT_TYPES[side.type];
  if (!int || int.bytes !== side.size || side.value === null) return null;
  return String(side.value);
}

export function leafSide(n: FieldNode): FieldSide {
  const value = n.value ?? null;
  return { value, text: valueText(n.type, n.size, value), type: n.type, offset: n.offset, size: n.size };
}

export function byteSide(n: FieldNode, i: number, byte: number): FieldSide {
  return { value: byte, text: `0x${byte.toString(16).padStart(2, '0')}`, type: 'uint8', offset: n.offset + i, size: 1 };
}

/** True when the value holds every byte of the field (buffers up to the model's byte limit). */
export function isFullHex(n: FieldNode): boolean {
  return n.value instanceof Uint8Array && n.value.length === n.size;
}

/** Leaves whose value is bytes (buffers, opaque data, PCI config...), compared byte by byte. */
export function isByteLeaf(n: FieldNode): boolean {
  if (n.kind === 'opaque') return true;
  if (INT_TYPES[n.type] || n.type === 'bool' || n.type === 'timer' || n.type === 'capability' || n.type === 'nullptr' || n.type === 'ptr-marker') return false;
  if (n.type === 'float64' || n.type === 'CPU_Double_U') return false;
  return n.value instanceof Uint8Array;
}
