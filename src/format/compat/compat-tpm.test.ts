// The compatibility check on TPM device-state files against real QEMU loads: each file of
// scripts/make-tpm-fixtures.mjs (tpm-tis on pc and q35, tpm-crb on q35, a libvirt-manufactured TPM,
// tpm-tis-device on virt, tpm-spapr on pseries) loaded by scripts/make-tpm-loads.mjs into every other
// QEMU version with the swtpm of that version's Debian release (public/fixtures/tpm/loads.json).
// The check runs as the CLI runs it (run.ts: the target's facts and reference VM from public/compat)
// on the file decoded with its twin stream's JSON. Prediction and QEMU agree on the verdict and, for
// a failure, on QEMU's words and the section QEMU names. The TPM rules (tpm-check.ts) were written
// after the loads of six machines; `tpm-tis-pc-manufactured` was held out, its six predictions made
// (with the CLI) before its loads first ran: all six right.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { matches, qemuLine, type Prediction } from '../testing/compat-loads.ts';
import { loadDescription } from '../vmdesc.ts';
import { checkAgainst, CompatData } from './run.ts';

const COMPAT = join(FIXTURE_DIR, '../compat');
const TPM = join(FIXTURE_DIR, 'tpm');
const gz = (path: string) => new Uint8Array(gunzipSync(readFileSync(path)));
const data = new CompatData(async (name) => (existsSync(join(COMPAT, `${name}.gz`)) ? gz(join(COMPAT, `${name}.gz`)) : null));
interface Load { from: string; to: string; file: string; machine: string; ok: boolean; messages: string[] }
const loads: Load[] = JSON.parse(readFileSync(join(TPM, 'loads.json'), 'utf8')).loads;

describe('compatibility check of TPM device-state files vs real loads', { timeout: 120_000 }, () => {
  it('has every ordered pair of 7.2, 10.0 and 11.1 for each TPM machine, and QEMU refused the 11.1 manufactured TPM in 7.2 and 10.0 for its swtpm state', () => {
    expect(loads.length).toBe(7 * 6);
    const refused = loads.filter((l) => !l.ok && /stateblob/.test(qemuLine(l))).map((l) => `${l.from}->${l.to} ${l.machine}`).sort();
    expect(refused).toEqual(["11.1->10.0 tpm-crb-q35-manufactured", "11.1->10.0 tpm-tis-pc-manufactured", "11.1->7.2 tpm-crb-q35-manufactured", "11.1->7.2 tpm-tis-pc-manufactured"]);
    // Every other x86 TPM file loads into every other version.
    expect(loads.filter((l) => /-(pc|q35)/.test(l.machine) && !l.ok).length).toBe(4);
  });

  it.each(loads.map((l) => [`${l.file} -> ${l.to}`, l] as const))('%s', async (_name, l) => {
    const bytes = gz(join(TPM, l.file));
    const vmdesc = await loadDescription(memorySource(gz(join(TPM, l.file.replace('-devstate', '-migration')))));
    const { model } = await scanStream(memorySource(bytes), { vmdesc });
    const report = await checkAgainst(model, async (o, n) => bytes.subarray(o, o + n), { version: l.to }, data);
    const p: Prediction = { verdict: report.verdict, message: report.first?.message, section: report.first?.section };
    expect(matches(l, p), `QEMU: ${l.ok ? 'loads' : qemuLine(l)}; predicted ${JSON.stringify(p)}`).toBe(true);
  });
});
