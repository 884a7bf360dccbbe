// The TPM emulator backend's section in the compatibility check (check.ts). QEMU registers
// `tpm-emulator` from the backend object (backends/tpm/tpm_emulator.c vmstate_register), not from a
// device class, so -dump-vmstate does not list it and the reference VMs (no TPM) do not send it: its
// facts come from QEMU's sources instead, the same in 7.2, 10.0 and 11.1 (version 0, no minimum).
// What the target does with the state is swtpm's: QEMU's post_load hands the permanent blob to the
// swtpm behind the target's `-tpmdev emulator`, and that swtpm's libtpms refuses a state format newer
// than it reads. libtpms 0.10 writes its PERSISTENT_ALL state in format 4 (a TPM profile, which
// swtpm_setup records when it manufactures a TPM) with minimum 4; 0.9 reads up to format 3. The
// Debian release of each QEMU ships one libtpms: bookworm (7.2) and trixie (10.0) 0.9.2, forky
// (11.1) 0.10.2; real loads: public/fixtures/tpm/loads.json (scripts/make-tpm-loads.mjs).

import type { FieldNode, StreamRecord } from '../model.ts';

export const BACKEND_VMSDS: Record<string, { version: number; minVersion: number; subsections: string[] }> = {
  'tpm-emulator': { version: 0, minVersion: 0, subsections: [] },
};

/** The newest libtpms PERSISTENT_ALL format the swtpm of each QEMU's Debian release reads. */
const LIBTPMS_FORMAT: Record<string, { libtpms: string; format: number }> = {
  '7.2': { libtpms: '0.9.2', format: 3 },
  '10.0': { libtpms: '0.9.2', format: 3 },
  '11.1': { libtpms: '0.10.2', format: 4 },
};

/** libtpms's header of its permanent state: be16 version, be32 magic, be16 minimum version. */
const PERSISTENT_ALL_MAGIC = 0xab364723;
/** swtpm's flag for a blob QEMU could not have decrypted (PTM_STATE_FLAG_ENCRYPTED). */
const ENCRYPTED = 2;

function* leaves(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) {
    if (!n.children) yield n;
    else yield* leaves(n.children);
  }
}

/**
 * A tpm-emulator section against the target's swtpm: a failure (QEMU's message and where) when the
 * permanent state's format is newer than the target's libtpms reads, a warning when it cannot be
 * read, null when it loads.
 */
export async function checkTpmState(r: StreamRecord, read: (offset: number, length: number) => Promise<Uint8Array>, version: string): Promise<{ fail?: string; warn?: string; offset?: number } | null> {
  const target = LIBTPMS_FORMAT[version];
  const fields = [...leaves(r.fields)];
  const flags = fields.find((n) => n.name === 'state_blobs.permanent_flags')?.value;
  const blob = fields.find((n) => n.name === 'state_blobs.permanent.buffer');
  if (!target || !blob || typeof flags !== 'number') return { warn: `not checked: the TPM state (${blob ? 'no target facts' : 'the section was not decoded'})` };
  if (blob.size === 0) return null; // a TPM that never started: nothing for swtpm to refuse
  if (flags & ENCRYPTED) return { warn: 'not checked: the TPM state is encrypted (swtpm --key): its format cannot be read' };
  // swtpm's blob header and libtpms's outer header come first; the magic is within the first bytes.
  const head = await read(blob.offset, Math.min(blob.size, 64));
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let p = 2; p + 6 <= head.length; p++) {
    if (view.getUint32(p) !== PERSISTENT_ALL_MAGIC) continue;
    const minimum = view.getUint16(p + 4);
    if (minimum <= target.format) return null;
    return { fail: `tpm-emulator: Setting the stateblob (type 1) failed with a TPM error 0x2e bad version identifier (the TPM state is libtpms format ${view.getUint16(p - 2)}, at least ${minimum} to read; QEMU ${version}'s Debian swtpm has libtpms ${target.libtpms}, which reads up to ${target.format})`, offset: blob.offset + p - 2 };
  }
  return { warn: 'not checked: the TPM state has no libtpms header where swtpm writes it' };
}
