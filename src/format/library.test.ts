// The bundled library (real QEMU 7.2 probes) decodes files that carry no description: the same
// framing and the same values as the description of a migration of the same VM.
import { describe, expect, it } from 'vitest';
import { bundledLibrary } from './library-bundled.ts';
import { gaps, fixtureBytes, fixtureDescription, manifest, roundTripMismatches, scanBytes } from './testing/fixtures.ts';

const library = bundledLibrary();
const noVmdesc = manifest().fixtures.filter((f) => f.kind !== 'migration');

describe.each(noVmdesc)('$file with the bundled library only', (fx) => {
  it('frames like its true description and agrees on every field of every section', async () => {
    const bytes = fixtureBytes(fx.file);
    const withLibrary = await scanBytes(bytes, { library });
    const truth = await scanBytes(bytes, { vmdesc: await fixtureDescription(fx.describedBy!) });
    expect(gaps(withLibrary)).toEqual([]);
    expect(withLibrary.records.map((r) => [r.offset, r.size])).toEqual(truth.records.map((r) => [r.offset, r.size]));
    const sections = withLibrary.records.filter((r) => r.kind === 'section' && !r.ram);
    expect(sections.every((r) => r.decodedBy === 'bundled'), 'every section decoded by the library').toBe(true);
    for (const r of sections) expect(r.fields, r.idstr).toEqual(truth.records[r.index].fields);
    expect(await roundTripMismatches(bytes, withLibrary)).toEqual([]);
  });

  it('warns only where the library cannot know the size: a virtio device\'s state, whose queues depend on the VM', async () => {
    const bytes = fixtureBytes(fx.file);
    const withLibrary = await scanBytes(bytes, { library });
    const truth = await scanBytes(bytes, { vmdesc: await fixtureDescription(fx.describedBy!) });
    const warned = withLibrary.records.filter((r) => r.problems.length > 0);
    for (const r of warned) {
      // The true description has the same one opaque field, sized by what QEMU wrote.
      const t = truth.records[r.index];
      expect(t.fields?.map((f) => [f.name, f.type, f.size]), r.idstr).toEqual([['virtio', 'virtio', r.dataSize]]);
      expect(t.problems, r.idstr).toEqual([]);
      // Delimited by its footer, or in footer-less files by the next header (display only).
      const codes = r.problems.map((p) => p.code).sort();
      expect(codes, r.idstr).toEqual(fx.hasFooters ? ['size-mismatch'] : ['heuristic-boundary', 'size-mismatch']);
    }
    // The x86 files carry a virtio-blk whose two queues (-smp 2) the library's one-CPU probe did not
    // have; the aarch64 file's virtio-rng state matched the probe.
    const hasVirtioBlk = manifestEntry(fx.file).args.includes('virtio-blk-pci,drive=vblk');
    expect(warned.map((r) => r.idstr)).toEqual(hasVirtioBlk ? [expect.stringMatching(/virtio-blk$/)] : []);
  });
});

const manifestEntry = (file: string) => manifest().fixtures.find((f) => f.file === file)!;

describe('library lookups', () => {
  it('finds variants by the idstr\'s last component and version, and none for other versions', () => {
    expect(library.candidates('0000:00:01.1/ide', 3).length).toBeGreaterThan(0);
    expect(library.candidates('timer', 2)[0].fields!.map((f) => f.name)).toEqual(['cpu_ticks_offset', 'unused', 'cpu_clock_offset']);
    expect(library.candidates('timer', 99)).toEqual([]);
    expect(library.candidates('no-such-device', 1)).toEqual([]);
  });
});
