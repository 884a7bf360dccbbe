// Little-endian unsigned integers: not a QEMU VMStateInfo (QEMU's wire integers are all
// big-endian), but the layout of the structures Xen saves beside QEMU's state (public/arch-x86/
// hvm/save.h: HVM_CONTEXT's CPU registers, LAPIC, PIT, ...), which are x86 little-endian. One entry
// per width so those fields edit, display and go into patches like every other integer.
// Not to be confused with QEMU's "int32 le" (get_int32_le: "less or equal").

import type { FieldValue } from '../model.ts';
import { viaText, type FieldType } from './field-type.ts';
import { bigToValue, intText, parseInteger, readInt } from './integers.ts';

const WIDTHS = { 'le uint8': 1, 'le uint16': 2, 'le uint32': 4, 'le uint64': 8 } as const;

function leInteger(name: string, bytes: number): FieldType {
  const text = (v: FieldValue | undefined) => (v === null || v === undefined ? '' : String(v));
  return viaText({
    name,
    fits: (size) => size === bytes,
    decode: (c, size) => bigToValue(readInt(c.bytes(size, name).slice().reverse(), false)),
    display: (v) => intText(v ?? null, bytes),
    text,
    copy: (v) => (v === null || v === undefined ? '' : intText(v, bytes).split(' ')[0]),
    parse: (t, size) => {
      const r = parseInteger(name, size, t);
      if (!r.ok) return r;
      if (t.trim().startsWith('-')) return { ok: false, reason: `${name} is unsigned: ${t.trim()} is below 0` };
      return { ok: true, bytes: r.bytes.slice().reverse() };
    },
    editor: (v) => ({ kind: 'int', text: intText(v ?? 0, bytes).split(' ')[0], checked: false, hint: `${name}: 0 … 0x${((1n << BigInt(bytes * 8)) - 1n).toString(16)}; decimal or 0x hex` }),
  });
}

export const leIntegerTypes: FieldType[] = Object.entries(WIDTHS).map(([name, bytes]) => leInteger(name, bytes));
