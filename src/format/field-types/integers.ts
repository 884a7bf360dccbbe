// Integers (migration/vmstate-types.c vmstate_info_int8 … uint64, the *_equal and int32 le infos,
// target/arm/machine.c cpsr/fpscr/powered_off). Every integer is big-endian on the wire,
// including "int32 le" (less-or-equal, not little-endian).

import type { FieldValue } from '../model.ts';
import { viaText, type FieldType, type ParseResult } from './field-type.ts';

interface IntInfo { bytes: 1 | 2 | 4 | 8; signed: boolean }

export const INT_TYPES: Record<string, IntInfo> = {
  'int8': { bytes: 1, signed: true },
  'uint8': { bytes: 1, signed: false },
  'int16': { bytes: 2, signed: true },
  'uint16': { bytes: 2, signed: false },
  'int32': { bytes: 4, signed: true },
  'uint32': { bytes: 4, signed: false },
  'int64': { bytes: 8, signed: true },
  'uint64': { bytes: 8, signed: false },
  // The *_equal infos must match the destination's value on load (vmstate-types.c get_*_equal).
  'uint8 equal': { bytes: 1, signed: false },
  'uint16 equal': { bytes: 2, signed: false },
  'int32 equal': { bytes: 4, signed: true },
  'uint32 equal': { bytes: 4, signed: false },
  // 7.2 names the uint64-equal info "int64 equal".
  'int64 equal': { bytes: 8, signed: false },
  // get_int32_le: 0 <= v <= destination's value.
  'int32 le': { bytes: 4, signed: true },
  // target/arm/machine.c: CPSR and FPSCR travel as be32, powered_off as one byte.
  'cpsr': { bytes: 4, signed: false },
  'fpscr': { bytes: 4, signed: false },
  'powered_off': { bytes: 1, signed: false },
};

export function readInt(bytes: Uint8Array, signed: boolean): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (signed && bytes.length && bytes[0] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

export function writeInt(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let u = v < 0n ? v + (1n << BigInt(n * 8)) : v;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** Decimal, 0x hex, 0b, 0o, with `_` separators and a leading minus. */
export function parseBigInt(text: string): bigint | null {
  const t = text.trim().replace(/_/g, '');
  const m = /^(-)?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.exec(t);
  if (!m) return null;
  const v = BigInt(m[2]);
  return m[1] ? -v : v;
}

/** Integers above 2^53 travel as decimal strings. */
export function bigToValue(v: bigint): FieldValue {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** "0xfffe (-2)": the bit pattern in hex, then the value. */
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

/** Parses an integer for a field of `size` bytes, range-checked for its width. */
export function parseInteger(type: string, size: number, text: string): ParseResult {
  const v = parseBigInt(text);
  if (v === null) return { ok: false, reason: `"${text}" is not an integer (decimal or 0x hex)` };
  const bits = BigInt(size * 8);
  // Accept either the signed or the unsigned spelling of the same bit pattern.
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (v < min || v > max) return { ok: false, reason: `${text} does not fit in ${size * 8} bits (${type})` };
  return { ok: true, bytes: writeInt(v, size) };
}

function hint(type: string, { bytes, signed }: IntInfo): string {
  const bits = BigInt(bytes * 8);
  const range = signed ? `${-(1n << (bits - 1n))} … ${(1n << (bits - 1n)) - 1n}` : `0 … 0x${((1n << bits) - 1n).toString(16)}`;
  return `${type}: ${range}; decimal or 0x hex`;
}

function integer(name: string, info: IntInfo): FieldType {
  return viaText({
    name,
    fits: (size) => size === info.bytes,
    decode: (c, size) => c.int(size as IntInfo['bytes'], info.signed, name),
    display: (v) => intText(v ?? null, info.bytes),
    text: (v) => (v === null || v === undefined ? '' : String(v)),
    copy: (v) => (v === null || v === undefined ? '' : intText(v, info.bytes).split(' ')[0]),
    parse: (text, size) => parseInteger(name, size, text),
    editor: (v) => ({ kind: 'int', text: intText(v ?? 0, info.bytes).split(' ')[0], checked: false, hint: hint(name, info) }),
  });
}

export const integerTypes: FieldType[] = Object.entries(INT_TYPES).map(([name, info]) => integer(name, info));
