// CPU_Double_U and float64 (target/i386/machine.c, vmstate-types.c vmstate_info_float64): an
// IEEE double as be64. NaN payloads and -0 would not survive a JS number, so they travel as text.

import { bytesToHex, hexToBytes } from './bytes.ts';
import { viaText, type FieldType } from './field-type.ts';

function float(name: string): FieldType {
  return viaText({
    name,
    fits: (size) => size === 8,
    decode: (c) => {
      const b = c.bytes(8, name);
      const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0);
      if (Number.isNaN(v)) return `0x${bytesToHex(b)}`;
      return Object.is(v, -0) ? '-0' : v;
    },
    display: (v) => (v === null || v === undefined ? '' : String(v)),
    text: (v) => (v === null || v === undefined ? '' : String(v)),
    parse: (text) => {
      if (/^0x[0-9a-f]{16}$/i.test(text.trim())) return { ok: true, bytes: hexToBytes(text)! };
      const v = Number(text.trim());
      if (text.trim() === '' || (Number.isNaN(v) && text.trim().toLowerCase() !== 'nan')) return { ok: false, reason: `"${text}" is not a number` };
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, v);
      return { ok: true, bytes: out };
    },
    editor: (v) => ({ kind: 'float', text: String(v ?? 0), checked: false, hint: `${name}: a number (or 0x and 16 hex digits for the exact bits)` }),
  });
}

export const floatTypes = [float('CPU_Double_U'), float('float64')];
