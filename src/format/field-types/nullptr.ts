// The NULL-pointer placeholder (include/migration/vmstate.h VMS_NULLPTR_MARKER, vmstate-types.c
// put_nullptr): one 0x30 byte that QEMU requires on load, so it is never edited.

import type { FieldType } from './field-type.ts';

export const NULLPTR_MARKER = 0x30;
const REASON = 'a NULL-pointer placeholder must stay 0x30';

export const nullptrType: FieldType = {
  name: 'nullptr',
  fits: (size) => size === 1,
  decode: (c) => (c.u8('nullptr marker') === NULLPTR_MARKER ? 'nullptr' : 'invalid'),
  // The decoder refuses any other byte, so the bytes of a decoded placeholder are always 0x30.
  encode: () => ({ ok: true, bytes: Uint8Array.of(NULLPTR_MARKER) }),
  display: (v) => String(v ?? ''),
  text: (v) => String(v ?? ''),
  copy: (v) => String(v ?? ''),
  parse: () => ({ ok: false, reason: REASON }),
  editor: () => ({ kind: 'none', reason: REASON }),
};
