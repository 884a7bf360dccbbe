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

  it('warns nowhere: each virtio state, whose length depends on the VM, is decoded by its layout and ends where the true description says', async () => {
    const bytes = fixtureBytes(fx.file);
    const withLibrary = await scanBytes(bytes, { library });
    const desc = await fixtureDescription(fx.describedBy!);
    expect(withLibrary.records.filter((r) => r.problems.length > 0).map((r) => r.idstr)).toEqual([]);
    // The oracle is QEMU's own JSON description of the same VM: the size it recorded for the field.
    let seen = 0;
    for (const r of withLibrary.records) {
      const virtio = r.fields?.find((f) => f.type === 'virtio');
      if (!virtio) continue;
      const described = desc.devices.find((d) => d.name === r.idstr && d.instance_id === r.instanceId)!.fields!.find((f) => f.type === 'virtio')!;
      expect([virtio.size, virtio.kind, r.exact, r.heuristic ?? false], r.idstr).toEqual([described.size, 'struct', true, false]);
      seen++;
    }
    // Every x86 file carries virtio-blk whose two queues (-smp 2) the library's one-CPU probe did not have.
    expect(seen).toBeGreaterThanOrEqual(manifestEntry(fx.file).args.includes('virtio-blk-pci,drive=vblk') ? 2 : 1);
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
