// Test support: a compatibility-check prediction against a real load's record (public/compat
// loads-heldout.json, public/fixtures/tpm/loads.json): the same verdict and, for a failure, QEMU's
// words (ours may add an explanation in parentheses) and the section QEMU names.

export interface RecordedLoad { ok: boolean; messages: string[] }
export interface Prediction { verdict: string; message?: string; section?: string }

/** The first line QEMU printed that is not a warning: its reason for refusing. */
export const qemuLine = (l: RecordedLoad) => l.messages.find((m) => !m.startsWith('warning:')) ?? '';
/** The device QEMU names ("error while loading state for instance 0x0 of device 'cpu'"). */
export const named = (l: RecordedLoad) => /of device '([^']+)'/.exec(l.messages.join(' '))?.[1];
export const matches = (l: RecordedLoad, p: Prediction) =>
  (p.verdict === 'fails') === !l.ok && (l.ok || (!!p.message && qemuLine(l).includes(p.message.replace(/ \([^()]*\)$/, '')) && (!named(l) || p.section === `${named(l)} (0)`)));
