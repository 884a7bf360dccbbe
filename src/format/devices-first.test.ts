import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import type { ByteSource } from './byte-source.ts';
import { devicesFirst, keepingTail } from './devices-first.ts';
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

  // Each read in the worker is a round trip to the browser: the tail read to find the JSON also
  // serves the JSON and the device sections (they were three reads one after another).
  it.each(withVmdesc)('$file: one read of the file finds and decodes the devices', async (fx) => {
    const bytes = fixtureBytes(fx.file);
    const reads: string[] = [];
    const base = memorySource(bytes);
    const counted: ByteSource = { size: base.size, read: (o, n) => (reads.push(`${o}+${n}`), base.read(o, n)) };
    expect((await devicesFirst(counted)).ok).toBe(true);
    expect(reads).toEqual([`0+${bytes.length}`]);
  });

  it('keepingTail serves reads inside the kept tail and passes every other read on', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const reads: string[] = [];
    const base = memorySource(bytes);
    const s = keepingTail({ size: base.size, read: (o, n) => (reads.push(`${o}+${n}`), base.read(o, n)) });
    expect(await s.read(10, 5)).toEqual(bytes.subarray(10, 15)); // not the tail: read, not kept
    expect(await s.read(60, 40)).toEqual(bytes.subarray(60)); // reaches the end: kept
    expect(await s.read(70, 10)).toEqual(bytes.subarray(70, 80));
    expect(await s.read(90, 50)).toEqual(bytes.subarray(90)); // past the end: clipped like the source
    expect(await s.read(55, 10)).toEqual(bytes.subarray(55, 65)); // starts before the tail
    expect(await s.read(20, 5)).toEqual(bytes.subarray(20, 25));
    expect(reads).toEqual(['10+5', '60+40', '55+10', '20+5']);
  });
});
