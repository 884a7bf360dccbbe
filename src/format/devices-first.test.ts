import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { devicesFirst } from './devices-first.ts';
import { fixtureBytes, manifest, scanBytes } from './testing/fixtures.ts';

const withVmdesc = manifest().fixtures.filter((f) => f.kind === 'migration');

describe('devices first', () => {
  it.each(withVmdesc)('$file: the device sections located from the tail equal the full scan', async (fx) => {
    const bytes = fixtureBytes(fx.file);
    const early = await devicesFirst(memorySource(bytes));
    expect(early.ok).toBe(true);
    if (!early.ok) return;
    const full = await scanBytes(bytes);
    const fullDevices = full.records.filter((r) => r.kind === 'section' && r.sectionType === 'full');
    const strip = (r: (typeof fullDevices)[0]) => ({ ...r, index: 0 });
    expect(early.records.map(strip)).toEqual(fullDevices.map(strip));
  });

  it('falls back when the tail does not match the description', async () => {
    const bytes = fixtureBytes('pc-migration.bin').slice();
    const full = await scanBytes(bytes);
    const cpu = full.records.find((r) => r.idstr === 'cpu')!;
    bytes[cpu.offset + 6] ^= 0x20; // "cpu" -> "Cpu"
    const early = await devicesFirst(memorySource(bytes));
    expect(early).toMatchObject({ ok: false });
  });

  it('says why when there is no description', async () => {
    expect(await devicesFirst(memorySource(fixtureBytes('pc-devstate.bin')))).toEqual({ ok: false, reason: 'no JSON VM description at the end of the file' });
  });
});
