// capability (migration/savevm.c vmstate_capabilites): a counted name in the configuration
// section. Its length is part of the record, so an edit keeps it.

import { latin1Bytes } from '../cursor.ts';
import { viaText } from './field-type.ts';

export const capabilityType = viaText({
  name: 'capability',
  fits: () => true,
  decode: (c) => c.countedString('capability'),
  // The configuration describes it with size 0: the name's length is in the stream.
  minBytes: () => 1,
  display: (v) => JSON.stringify(v ?? ''),
  text: (v) => String(v ?? ''),
  parse: (text, size) => {
    const b = latin1Bytes(text);
    if (b.length + 1 !== size) return { ok: false, reason: `a capability name of ${size - 1} characters keeps the record size` };
    return { ok: true, bytes: Uint8Array.of(b.length, ...b) };
  },
  editor: (v, size) => ({ kind: 'text', text: String(v ?? ''), checked: false, hint: `capability: ${size - 1} characters` }),
});
