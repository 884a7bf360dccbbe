// The compatibility check against what real QEMU did: scripts/make-compat-fixtures.mjs saved a
// pc and a q35 VM with QEMU 7.2, 10.0 and 11.1 (device-state file and migration stream each) and
// loaded every file into every other version; public/compat/loads.json holds QEMU's verdicts and
// messages. For each of those loads the check, given the same file and the target's data, must
// predict the same verdict, QEMU's first message and the section QEMU names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { loadDescription } from '../vmdesc.ts';
import { checkCompat, type CompatTarget, type ReferenceState } from './check.ts';

const DIR = join(FIXTURE_DIR, '../compat');
const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));
const target = (v: string): CompatTarget => JSON.parse(new TextDecoder().decode(gz(`qemu-${v}-x86_64.json.gz`)));
interface Load { from: string; to: string; vm: 'pc' | 'q35'; kind: 'devstate' | 'migration'; file: string; machineType: string; ok: boolean; messages: string[] }
const loads: Load[] = JSON.parse(readFileSync(join(DIR, 'loads.json'), 'utf8')).loads;

/** A file of version v decoded with the description of that version's migration of the same VM. */
async function decoded(vm: string, v: string, kind: string): Promise<ReferenceState & { bytes: Uint8Array }> {
  const bytes = gz(`${vm}-${v}-${kind}.bin.gz`);
  const vmdesc = await loadDescription(memorySource(gz(`${vm}-${v}-migration.bin.gz`)));
  const { model } = await scanStream(memorySource(bytes), { vmdesc });
  return { model, bytes, read: async (o, n) => bytes.subarray(o, o + n) };
}

describe('compatibility check vs real loads between QEMU 7.2, 10.0 and 11.1', () => {
  it('has the recorded loads', () => expect(loads.length).toBeGreaterThanOrEqual(24));

  it.each(loads.map((l) => [`${l.from} -> ${l.to} ${l.vm} ${l.kind}`, l] as const))('%s', async (_name, l) => {
    const file = await decoded(l.vm, l.from, l.kind);
    const reference = await decoded(l.vm, l.to, 'devstate');
    const report = await checkCompat(file.model, file.read, target(l.to), reference);
    expect(report.verdict === 'fails', JSON.stringify(report.findings)).toBe(!l.ok);
    if (l.ok) return;
    const qemuLine = l.messages.find((m) => !m.startsWith('warning:'))!;
    expect(qemuLine.startsWith(report.first!.message) || l.messages.some((m) => m.startsWith(report.first!.message)), `${report.first!.message} vs ${l.messages.join(' | ')}`).toBe(true);
    const named = /of device '([^']+)'/.exec(l.messages.join(' '))?.[1];
    if (named) expect(report.first!.section).toBe(`${named} (0)`);
  });
});
