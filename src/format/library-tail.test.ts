// nvme-ns on QEMU 11.1 (issue 12's "crashed" rows) from the description libraries, against the true
// description. The library got its layout from a real QEMU 11.1 probe (qemu-11.1-tail.json:
// scripts/make-vmdesc-library.mjs --devices nvme-ns,spapr-rng, where the retry rule `nvme-ctrl-drive`
// gives the controller a drive of its own, because 11.1 crashes saving a controller without one), and
// the real files come from another VM, a q35 with an nvme controller and a second namespace as nvme-ns
// (scripts/make-virtio-fixtures.mjs --set hostdev --machines nvme-q35). QEMU 7.2 and 10.0 block the nvme
// controller's migration, so 11.1 is the only version with such files. Oracle: the migration stream's
// own JSON description, used to decode the same device-state file; the library decode must frame
// every section the same and give every leaf the same offset, size and value.
import { describe, expect, it } from 'vitest';
import { agreement } from './testing/libraries.ts';
import { decodeTwice, sectionsNamed as sections, twinCases } from './testing/virtio-twins.ts';

const CASES = twinCases((a) => /^nvme-ns,/.test(a), 'hostdev');

describe('nvme-ns decoded by the libraries equals its decode with the true description', { timeout: 120_000 }, () => {
  it('covers q35 on QEMU 11.1, with and without footers', () => {
    expect(CASES.map((c) => c.name).sort()).toEqual(['qemu-11.1/nvme-q35-devstate.bin.gz', 'qemu-11.1/nvme-q35-nofooter-devstate.bin.gz']);
  });

  it.each(CASES)('$name', async (c) => {
    const { withLibrary, withTruth } = await decodeTwice(c);
    const a = agreement(withLibrary, withTruth);
    // globalstate's 100-byte runstate, split in 10.0/11.1 without a size change, keeps 7.2's first fit
    // (version-consensus.ts; library-hostdev.test.ts): 4 leaves in files with footers.
    const gap = c.file.includes('nofooter') ? 0 : 4;
    expect(a.framedExactly).toBe(a.sections);
    expect([...a.differing]).toEqual(gap ? ['globalstate'] : []);
    expect(a.equalValues).toBe(a.leaves - gap);
    // One controller section and one namespace section, both described by the bundled library.
    for (const vmsd of ['nvme', 'nvme_ns']) {
      const [t, ...more] = sections(withTruth.records, new RegExp(`(^|/)${vmsd}$`));
      expect(t, vmsd).toBeDefined();
      expect(more).toEqual([]);
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.decodedBy, r.vmsdName, r.exact, r.problems]).toEqual(['bundled', vmsd, true, []]);
      expect(r.describedVersions, r.describedBy).toContain('11.1');
    }
  });
});
