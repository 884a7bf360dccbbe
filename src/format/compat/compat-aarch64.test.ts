// aarch64 `virt` against what real QEMU did: scripts/make-compat-fixtures.mjs --arch aarch64 saved
// a cortex-a57 and a max VM with QEMU 7.2, 10.0 and 11.1 and loaded every file into every other
// version (public/compat/loads-aarch64.json). Every one of those loads fails in real QEMU, for
// four different reasons (machine type, register list length, unknown register, a timer the
// target lacks); the check must predict each: verdict, QEMU's first message, the section named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { loadDescription } from '../vmdesc.ts';
import { checkCompat, type CompatTarget, type ReferenceState } from './check.ts';
import { cpregName } from './cpregs.ts';
import { closestReference } from './reference.ts';

const DIR = join(FIXTURE_DIR, '../compat');
const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));
const target = (v: string): CompatTarget => JSON.parse(new TextDecoder().decode(gz(`qemu-${v}-aarch64.json.gz`)));
interface Load { from: string; to: string; vm: string; kind: 'devstate' | 'migration'; ok: boolean; messages: string[] }
const loads: Load[] = JSON.parse(readFileSync(join(DIR, 'loads-aarch64.json'), 'utf8')).loads;

async function decoded(vm: string, v: string, kind: string): Promise<ReferenceState & { bytes: Uint8Array }> {
  const bytes = gz(`${vm}-${v}-${kind}.bin.gz`);
  const vmdesc = await loadDescription(memorySource(gz(`${vm}-${v}-migration.bin.gz`)));
  const { model } = await scanStream(memorySource(bytes), { vmdesc });
  return { vm, model, bytes, read: async (o, n) => bytes.subarray(o, o + n) };
}

describe('aarch64 compatibility check vs real loads between QEMU 7.2, 10.0 and 11.1', () => {
  it('has the recorded loads of every pair, both CPU models, both kinds', () => expect(loads.length).toBe(24));

  it('prints registers as QEMU does (kvm_to_cpreg_id)', () => {
    expect(cpregName(0x603000000013c030n)).toBe('0x1013c030'); // AArch64 sysreg
    expect(cpregName(0x40200000000f3a00n)).toBe('0x200f3a00'); // AArch32 32-bit cp15, non-secure
  });

  it.each(loads.map((l) => [`${l.from} -> ${l.to} ${l.vm} ${l.kind}`, l] as const))('%s', async (_name, l) => {
    const file = await decoded(l.vm, l.from, l.kind);
    const refs = await Promise.all(['virt', 'virt-max'].map((vm) => decoded(vm, l.to, 'devstate')));
    const reference = await closestReference(file.model, file.read, refs);
    expect(reference?.vm, 'the reference with the same CPU model').toBe(l.vm);
    const report = await checkCompat(file.model, file.read, target(l.to), reference);
    expect(report.verdict === 'fails', JSON.stringify(report.findings)).toBe(!l.ok);
    if (l.ok) return;
    const qemuLine = l.messages.find((m) => !m.startsWith('warning:'))!;
    // QEMU's own words up to our explanation in parentheses (an abort has no message of its own).
    const ours = report.first!.message.replace(/ \(QEMU [^)]*\)$/, '');
    expect(qemuLine.includes(ours), `${report.first!.message} vs ${qemuLine}`).toBe(true);
    const named = /of device '([^']+)'/.exec(l.messages.join(' '))?.[1];
    if (named) expect(report.first!.section).toBe(`${named} (0)`);
  });
});
