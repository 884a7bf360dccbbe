// bool (vmstate-types.c get_bool/put_bool): one byte, written as 0 or 1.

import { viaText } from './field-type.ts';

export const boolType = viaText({
  name: 'bool',
  fits: (size) => size === 1,
  decode: (c) => {
    // get_bool loads any non-zero byte as true; a byte other than 0/1 stays visible (and exact).
    const b = c.u8('bool');
    return b <= 1 ? b === 1 : b;
  },
  display: (v) => (v === null || v === undefined ? '' : String(v)),
  text: (v) => (v === null || v === undefined ? '' : String(v)),
  parse: (text) => {
    const t = text.trim().toLowerCase();
    if (/^\d+$/.test(t) && Number(t) <= 255) return { ok: true, bytes: Uint8Array.of(Number(t)) };
    if (['true', '1', 'yes', 'on'].includes(t)) return { ok: true, bytes: Uint8Array.of(1) };
    if (['false', '0', 'no', 'off'].includes(t)) return { ok: true, bytes: Uint8Array.of(0) };
    return { ok: false, reason: `"${text}" is not a bool (true/false)` };
  },
  editor: (v) => ({ kind: 'bool', text: '', checked: v === true || (typeof v === 'number' && v !== 0), hint: 'bool: QEMU writes 0 or 1' }),
});
