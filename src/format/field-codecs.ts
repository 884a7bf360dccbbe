// Decode/encode pairs for the leaf VMStateInfo types (format.md §3.5; migration/vmstate-types.c).
// Every integer is big-endian on the wire, including "int32 le" (less-or-equal, not little-endian).

import type { Cursor } from './cursor.ts';
import { latin1Bytes } from './cursor.ts';
import type { FieldValue } from './model.ts';

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

/** Types whose bytes are device-private or plain buffers: shown as bytes, no warning. */
export const BYTE_TYPES = new Set([
  'buffer', 'unused_buffer', 'bitmap', 'pci config', 'msix state', 'virtio', 'shpc', 'scsi-requests',
  'usb-redir-parser', 'usb-redir-bufpq', 'usb-redir-packet-id-q', 'virtqueue_extra_state', 'unknown',
]);

/** Every leaf type this module decodes with meaning (not as opaque bytes). */
export function isLeafType(type: string, size: number): boolean {
  if (type in INT_TYPES) return INT_TYPES[type].bytes === size;
  if (type === 'bool' || type === 'nullptr' || type === 'ptr-marker') return size === 1;
  if (type === 'timer' || type === 'CPU_Double_U' || type === 'float64') return size === 8;
  if (type === 'capability') return true;
  return BYTE_TYPES.has(type);
}

export const NULLPTR_MARKER = 0x30; // include/migration/vmstate.h VMS_NULLPTR_MARKER (11.1: VMS_MARKER_PTR_NULL)
export const PTR_VALID_MARKER = 0x31; // QEMU 11.1 VMS_MARKER_PTR_VALID: a present element follows
const NOT_ARMED = 0xffff_ffff_ffff_ffffn; // savevm.c timer_put: -1 = not armed

function bigToValue(v: bigint): FieldValue {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

export function hexToBytes(hex: string): Uint8Array | null {
  const clean = hex.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

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

/** Largest buffer whose full hex goes into the model; larger ones carry a preview. */
export const HEX_VALUE_LIMIT = 4096;

/** Decodes one leaf of `type` and `size` bytes at the cursor. */
export function decodeLeaf(c: Cursor, type: string, size: number): FieldValue {
  const int = INT_TYPES[type];
  if (int && int.bytes === size) return c.int(size as 1 | 2 | 4 | 8, int.signed, type);
  switch (type) {
    case 'bool': {
      // The writer emits 0/1; any other byte loads as true, so keep it visible (and exact).
      const b = c.u8('bool');
      return b <= 1 ? b === 1 : b;
    }
    case 'timer': {
      const v = c.be64('timer');
      return v === NOT_ARMED ? null : bigToValue(v);
    }
    case 'CPU_Double_U':
    case 'float64': {
      const b = c.bytes(8, type);
      const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
      // NaN payloads and -0 would not survive a round trip through a JS number.
      if (Number.isNaN(v)) return `0x${bytesToHex(b)}`;
      return Object.is(v, -0) ? '-0' : v;
    }
    case 'capability':
      return c.countedString('capability');
    case 'nullptr':
      return c.u8('nullptr marker') === NULLPTR_MARKER ? 'nullptr' : 'invalid';
    case 'ptr-marker': {
      const b = c.u8('pointer marker');
      return b === NULLPTR_MARKER ? 'nullptr' : b === PTR_VALID_MARKER ? 'valid' : 'invalid';
    }
  }
  const b = c.bytes(size, type);
  return size <= HEX_VALUE_LIMIT ? bytesToHex(b) : `${bytesToHex(b.subarray(0, 32))}…`;
}

export type EncodeResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

function parseBigInt(text: string): bigint | null {
  const t = text.trim().replace(/_/g, '');
  const m = /^(-)?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.exec(t);
  if (!m) return null;
  const v = BigInt(m[2]);
  return m[1] ? -v : v;
}

/**
 * Encodes a user-typed value for a leaf of `type`/`size`. Integers take decimal or 0x hex and are
 * range-checked for the field's width and signedness; bytes must keep the field's size.
 */
export function encodeLeaf(type: string, size: number, text: string): EncodeResult {
  const int = INT_TYPES[type];
  if (int && int.bytes === size) {
    const v = parseBigInt(text);
    if (v === null) return { ok: false, reason: `"${text}" is not an integer (decimal or 0x hex)` };
    const bits = BigInt(size * 8);
    // Accept either the signed or the unsigned spelling of the same bit pattern.
    const min = -(1n << (bits - 1n));
    const max = (1n << bits) - 1n;
    if (v < min || v > max) return { ok: false, reason: `${text} does not fit in ${size * 8} bits (${type})` };
    return { ok: true, bytes: writeInt(v, size) };
  }
  switch (type) {
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (/^\d+$/.test(t) && Number(t) <= 255) return { ok: true, bytes: Uint8Array.of(Number(t)) };
      if (['true', '1', 'yes', 'on'].includes(t)) return { ok: true, bytes: Uint8Array.of(1) };
      if (['false', '0', 'no', 'off'].includes(t)) return { ok: true, bytes: Uint8Array.of(0) };
      return { ok: false, reason: `"${text}" is not a bool (true/false)` };
    }
    case 'timer': {
      const t = text.trim().toLowerCase();
      if (t === 'not armed' || t === 'null' || t === '-1') return { ok: true, bytes: writeInt(NOT_ARMED, 8) };
      const v = parseBigInt(t);
      if (v === null || v < 0n || v >= NOT_ARMED) return { ok: false, reason: `"${text}" is not a timer expiry in ns or "not armed"` };
      return { ok: true, bytes: writeInt(v, 8) };
    }
    case 'CPU_Double_U':
    case 'float64': {
      if (/^0x[0-9a-f]{16}$/i.test(text.trim())) return { ok: true, bytes: hexToBytes(text)! };
      const v = Number(text.trim());
      if (text.trim() === '' || (Number.isNaN(v) && text.trim().toLowerCase() !== 'nan')) return { ok: false, reason: `"${text}" is not a number` };
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, v);
      return { ok: true, bytes: out };
    }
    case 'capability': {
      const b = latin1Bytes(text);
      if (b.length + 1 !== size) return { ok: false, reason: `a capability name of ${size - 1} characters keeps the record size` };
      return { ok: true, bytes: Uint8Array.of(b.length, ...b) };
    }
    case 'nullptr':
    case 'ptr-marker':
      return { ok: false, reason: 'a pointer marker must stay as it is: it says whether an element follows' };
  }
  const b = hexToBytes(text);
  if (!b) return { ok: false, reason: `"${text.slice(0, 40)}" is not hex bytes` };
  if (b.length !== size) return { ok: false, reason: `${b.length} bytes given, the field holds ${size}` };
  return { ok: true, bytes: b };
}

/** The text a value edits as: what encodeLeaf accepts and what the UI pre-fills. */
export function valueToText(type: string, value: FieldValue): string {
  if (type === 'timer' && value === null) return 'not armed';
  if (value === null) return '';
  return String(value);
}

