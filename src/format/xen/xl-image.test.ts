// xl save images built around a real QEMU 7.2 Xen-style device-state file by
// scripts/make-xl-fixtures.mjs and accepted by Xen's own verify-stream-v2 (its record list is in
// the manifest): the reader must find the records Xen's verifier found, the EMULATOR_CONTEXT must
// be that device-state file byte for byte and decode like it, and the HVM CPU entries must hold the
// registers the builder wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource, subSource } from '../byte-source.ts';
import { DecodeError } from '../errors.ts';
import { bundledLibrary } from '../library-bundled.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR, fixtureBytes } from '../testing/fixtures.ts';
import { readHvmContext } from './hvm-context.ts';
import { readXenImage } from './xl-image.ts';

const DIR = join(FIXTURE_DIR, 'xl');
interface XlEntry { file: string; gz: string; vcpus: number; hasConfig: boolean; verifierRecords: string[] }
const manifest: { emulatorContextFrom: string; registers: Record<string, string>; images: XlEntry[] } = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const unpack = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));
const VERIFIER_NAMES: Record<string, string> = {
  LIBXC_CONTEXT: 'Libxc context', EMULATOR_XENSTORE_DATA: 'Emulator xenstore data', EMULATOR_CONTEXT: 'Emulator context', END: 'End',
  X86_CPUID_POLICY: 'x86 CPUID policy', X86_MSR_POLICY: 'x86 MSR policy', STATIC_DATA_END: 'Static data end', X86_TSC_INFO: 'TSC info',
  HVM_CONTEXT: 'HVM context', HVM_PARAMS: 'HVM params',
};

describe.each(manifest.images.map((e) => [e.file, e] as const))('%s', (_file, entry) => {
  const bytes = unpack(entry.gz);

  it("finds the records Xen's verify-stream-v2 listed, with their lengths", async () => {
    const img = await readXenImage(memorySource(bytes));
    expect(img.problems).toEqual([]);
    expect(img.complete).toBe(true);
    expect(!!img.xl?.config).toBe(entry.hasConfig);
    if (entry.hasConfig) expect(JSON.parse(img.xl!.config!.text).c_info.type).toBe('hvm');
    const ours = img.records.filter((r) => r.name !== 'PAGE_DATA').map((r) => `${r.stream === 'libxl' ? 'Libxl' : 'Libxc'} Record: ${VERIFIER_NAMES[r.name]}, length ${r.length}`);
    expect(ours).toEqual(entry.verifierRecords);
    expect(img.libxc).toMatchObject({ version: 3, domainType: 2, pageShift: 12, xenMajor: 4, xenMinor: 17 });
    const pages = img.records.filter((r) => r.name === 'PAGE_DATA').map((r) => r.pages);
    expect(pages).toEqual([{ pfns: 3, withData: 2 }, { pfns: 1, withData: 1 }]);
  });

  it('carries the real device-state file in EMULATOR_CONTEXT, decoding as it does alone', async () => {
    const img = await readXenImage(memorySource(bytes));
    const ctx = img.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    expect(ctx.emulator).toEqual({ id: 2, index: 0 });
    const inner = subSource(memorySource(bytes), ctx.bodyOffset + 8, ctx.length - 8);
    const original = fixtureBytes(manifest.emulatorContextFrom);
    expect(Buffer.from(await inner.read(0, inner.size)).equals(Buffer.from(original))).toBe(true);
    const library = bundledLibrary();
    const a = (await scanStream(inner, { library })).model;
    const b = (await scanStream(memorySource(original), { library })).model;
    expect(a.variant).toBe('devstate-xen');
    expect(a.records.map((r) => [r.idstr, r.size, r.decodedBy])).toEqual(b.records.map((r) => [r.idstr, r.size, r.decodedBy]));
  });

  it('decodes the HVM context: every vCPU with the registers the builder wrote', async () => {
    const img = await readXenImage(memorySource(bytes));
    const rec = img.records.find((r) => r.name === 'HVM_CONTEXT')!;
    const entries = await readHvmContext(memorySource(bytes), rec.bodyOffset, rec.length);
    expect(entries.at(-1)?.name).toBe('END');
    const cpus = entries.filter((e) => e.name === 'CPU');
    expect(cpus.map((c) => c.instance)).toEqual([...Array(entry.vcpus).keys()]);
    for (const cpu of cpus) {
      const value = (n: string) => BigInt(cpu.fields.find((f) => f.name === n)!.value as string | number);
      for (const [reg, hex] of Object.entries(manifest.registers)) {
        const expected = BigInt(hex) + (reg === 'rax' ? BigInt(cpu.instance) : 0n);
        expect(value(reg), `${reg} of vCPU ${cpu.instance}`).toBe(expected);
      }
      // Each register's field points at its bytes: little-endian there.
      const rbx = cpu.fields.find((f) => f.name === 'rbx')!;
      expect(new DataView(bytes.buffer, rbx.offset, 8).getBigUint64(0, true)).toBe(BigInt(manifest.registers.rbx));
    }
    expect(entries.find((e) => e.name === 'HEADER')?.fields[0].value).toBe(0x54381286);
  });
});

describe('damaged xl images', () => {
  const bytes = unpack(manifest.images[0].gz);

  it('a cut anywhere gives a problem at or before the cut and keeps the records before it', async () => {
    const whole = await readXenImage(memorySource(bytes));
    for (let cut = 0; cut < bytes.length; cut += 997) {
      const img = await readXenImage(memorySource(bytes.subarray(0, cut)));
      expect(img.complete).toBe(false);
      expect(img.problems).toHaveLength(1);
      expect(img.problems[0].offset).toBeLessThanOrEqual(cut);
      const kept = img.records.map((r) => r.offset);
      expect(kept).toEqual(whole.records.filter((r) => r.offset + r.size <= cut).map((r) => r.offset));
    }
  });

  it('a record length past the end names the length field', async () => {
    const b = bytes.slice();
    const img = await readXenImage(memorySource(bytes));
    const ctx = img.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    new DataView(b.buffer).setUint32(ctx.offset + 4, 0x7fffffff, true);
    const bad = await readXenImage(memorySource(b));
    expect(bad.problems[0]).toMatchObject({ code: 'truncated', offset: ctx.offset + 4 });
    expect(bad.records.at(-1)?.name).toBe('EMULATOR_XENSTORE_DATA');
  });

  it('an unknown record type is listed by its number and the walk goes on', async () => {
    const b = bytes.slice();
    const img = await readXenImage(memorySource(bytes));
    const tsc = img.records.find((r) => r.name === 'X86_TSC_INFO')!;
    new DataView(b.buffer).setUint32(tsc.offset, 0x77, true);
    const odd = await readXenImage(memorySource(b));
    expect(odd.records.find((r) => r.offset === tsc.offset)?.name).toBe('unknown (119)');
    expect(odd.complete).toBe(true);
  });

  it('an HVM entry longer than its context is refused with its offset', async () => {
    const img = await readXenImage(memorySource(bytes));
    const rec = img.records.find((r) => r.name === 'HVM_CONTEXT')!;
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(rec.bodyOffset + 4, 99999, true);
    await expect(readHvmContext(memorySource(b), rec.bodyOffset, rec.length)).rejects.toThrow(DecodeError);
  });
});
