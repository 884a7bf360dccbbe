// The bundled library (real QEMU 7.2 probes) decodes files that carry no description: the same
// framing and the same values as the description of a migration of the same VM.
import { describe, expect, it } from 'vitest';
import { bundledLibrary } from './library.ts';
import { gaps, fixtureBytes, fixtureDescription, manifest, roundTripMismatches, scanBytes } from './testing/fixtures.ts';

const library = bundledLibrary();
const noVmdesc = manifest().fixtures.filter((f) => f.kind !== 'migration');

describe.each(noVmdesc)('$file with the bundled library only', (fx) => {
  it('frames like its true description and agrees on every field it decodes', async () => {
    const bytes = fixtureBytes(fx.file);
    const withLibrary = await scanBytes(bytes, { library });
    const truth = await scanBytes(bytes, { vmdesc: await fixtureDescription(fx.describedBy!) });
    expect(gaps(withLibrary)).toEqual([]);
    expect(withLibrary.records.map((r) => [r.offset, r.size])).toEqual(truth.records.map((r) => [r.offset, r.size]));
    const sections = withLibrary.records.filter((r) => r.kind === 'section' && !r.ram);
    const bundled = sections.filter((r) => r.decodedBy === 'bundled');
    // Everything but state-sized virtio blobs decodes field for field.
    expect(bundled.length).toBe(sections.length);
    for (const r of bundled) {
      const t = truth.records[r.index];
      if (r.problems.some((p) => p.code === 'size-mismatch')) continue;
      expect(r.fields, r.idstr).toEqual(t.fields);
    }
    expect(await roundTripMismatches(bytes, withLibrary)).toEqual([]);
  });
});

describe('library lookups', () => {
  it('finds variants by the idstr\'s last component and version, and none for other versions', () => {
    expect(library.candidates('0000:00:01.1/ide', 3).length).toBeGreaterThan(0);
    expect(library.candidates('timer', 2)[0].fields!.map((f) => f.name)).toEqual(['cpu_ticks_offset', 'unused', 'cpu_clock_offset']);
    expect(library.candidates('timer', 99)).toEqual([]);
    expect(library.candidates('no-such-device', 1)).toEqual([]);
  });
});
