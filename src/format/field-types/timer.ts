// timer (migration/savevm.c timer_put/timer_get): be64 expiry in ns, -1 when not armed.

import { bigToValue, parseBigInt, writeInt } from './integers.ts';
import { viaText } from './field-type.ts';

const NOT_ARMED = 0xffff_ffff_ffff_ffffn;

export const timerType = viaText({
  name: 'timer',
  fits: (size) => size === 8,
  decode: (c) => {
    const v = c.be64('timer');
    return v === NOT_ARMED ? null : bigToValue(v);
  },
  display: (v) => (v === null ? 'not armed' : `expires at ${typeof v === 'number' ? v.toLocaleString('en-US') : v} ns`),
  text: (v) => (v === null ? 'not armed' : String(v)),
  parse: (text) => {
    const t = text.trim().toLowerCase();
    if (t === 'not armed' || t === 'null' || t === '-1') return { ok: true, bytes: writeInt(NOT_ARMED, 8) };
    const v = parseBigInt(t);
    if (v === null || v < 0n || v >= NOT_ARMED) return { ok: false, reason: `"${text}" is not a timer expiry in ns or "not armed"` };
    return { ok: true, bytes: writeInt(v, 8) };
  },
  editor: (v) => ({ kind: 'timer', text: v === null ? '' : String(v), checked: v === null, hint: 'timer: expiry in ns, or not armed' }),
});
