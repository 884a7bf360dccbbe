// pseries devices that start only with a value QEMU asks for (issue 12's `config` rows): a second PCI
// host bridge (index=1, as libvirt gives pseries guests with more PCI devices), a pci-bridge on it
// (chassis_nr), a pc-dimm (256 MiB) and a spapr-nvdimm (label size, UUID, file backend), from the
// description libraries, against the true description. The libraries got their layouts from real QEMU
// 7.2, 10.0 and 11.1 probes with those values (scripts/library/value-rules.mjs;
// qemu-<v>-with_values.json), and the real files come from another VM with all of them at once
// (scripts/make-virtio-fixtures.mjs --set values: values-pseries, a device-state file with footers, one
// without, and the migration stream of the same VM). Oracle: the stream's own JSON description, used to
// decode the same device-state file; the library decode must frame every section the same and give the
// new devices' sections every leaf at the same offset and size with the same value.
import { describe, expect, it } from 'vitest';
import { agreement } from './testing/libraries.ts';
import { decodeTwice, recordLeaves, sectionsNamed as sections, twinCases } from './testing/virtio-twins.ts';

const CASES = twinCases((a) => /^spapr-pci-host-bridge,/.test(a), 'values');
/** The sections the new devices write: the bridge, the second PHB and its bus, the bridge's bus, the NVDIMM's state. */
const NEW = /(^|\/)(pci_bridge|spapr_nvdimm_states)$|^spapr_pci$|^PCIBUS$/;

describe('pseries devices given values decoded by the libraries equal their decode with the true description', { timeout: 120_000 }, () => {
  it('covers QEMU 7.2, 10.0 and 11.1, with and without footers', () => {
    expect(CASES.map((c) => c.name).sort()).toEqual(['qemu-10.0', 'qemu-11.1', 'qemu-7.2'].flatMap((v) => [`${v}/values-pseries-devstate.bin.gz`, `${v}/values-pseries-nofooter-devstate.bin.gz`]));
  });

  it.each(CASES)('$name', async (c) => {
    const { withLibrary, withTruth } = await decodeTwice(c);
    const a = agreement(withLibrary, withTruth);
    expect(a.framedExactly).toBe(a.sections);
    // pseries' own gaps, older than these devices (library-hostdev.test.ts, library-heldout.test.ts):
    // spapr's device-tree blob has the size of its VM's devices, 10.0/11.1's cpu, the footer-less
    // spapr_nvram and globalstate's split runstate differ in a few leaves.
    expect(a.differing.filter((d) => !['spapr', 'cpu', 'nvram@71000000/spapr_nvram', 'globalstate'].includes(d))).toEqual([]);
    expect(a.equalValues / a.leaves).toBeGreaterThan(0.9995);
    // Two PHBs (instances 0 and 1), three PCI buses (both PHBs' and the bridge's), one bridge, one NVDIMM state.
    const news = sections(withTruth.records, NEW);
    expect(news.map((t) => `${t.idstr}#${t.instanceId}`).sort()).toEqual(['PCIBUS#0', 'PCIBUS#1', 'PCIBUS#2', 'pci@800000020000001:00.0/pci_bridge#0', 'spapr_nvdimm_states#0', 'spapr_pci#0', 'spapr_pci#1']);
    for (const t of news) {
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.decodedBy, r.exact, r.problems], t.idstr).toEqual(['bundled', true, []]);
      expect(r.describedVersions, r.describedBy).toContain(c.v.replace('qemu-', ''));
      expect(recordLeaves(r), t.idstr).toEqual(recordLeaves(t));
    }
  });
});
