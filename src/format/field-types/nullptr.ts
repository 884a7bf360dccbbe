// Pointer markers: the NULL-pointer placeholder (include/migration/vmstate.h VMS_NULLPTR_MARKER,
// vmstate-types.c put_nullptr: one 0x30 byte QEMU requires on load) and QEMU 11.1's ptr-marker
// (vmstate.c vmstate_ptr_marker_load: 0x30 NULL, 0x31 "the element follows"). Never edited: the
// byte says whether data follows.

import type { FieldType } from './field-type.ts';

export const NULLPTR_MARKER = 0x30; // 11.1: VMS_MARKER_PTR_NULL
export const PTR_VALID_MARKER = 0x31; // 11.1: VMS_MARKER_PTR_VALID
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

const MARKER_REASON = 'a pointer marker must stay as it is: it says whether an element follows';

export const ptrMarkerType: FieldType = {
  name: 'ptr-marker',
  fits: (size) => size === 1,
  decode: (c) => {
    const b = c.u8('pointer marker');
    return b === NULLPTR_MARKER ? 'nullptr' : b === PTR_VALID_MARKER ? 'valid' : 'invalid';
  },
  encode: (v) => ({ ok: true, bytes: Uint8Array.of(v === 'valid' ? PTR_VALID_MARKER : NULLPTR_MARKER) }),
  display: (v) => String(v ?? ''),
  text: (v) => String(v ?? ''),
  copy: (v) => String(v ?? ''),
  parse: () => ({ ok: false, reason: MARKER_REASON }),
  editor: () => ({ kind: 'none', reason: MARKER_REASON }),
};
