// ivshmem-plain, ivshmem-doorbell, vmmouse, ccid-card-emulated and cxl-type3 (with pxb-cxl) from the
// description libraries, against the true description. The libraries got them from real QEMU 7.2,
// 10.0 and 11.1 probes that give each device what it needs (scripts/make-vmdesc-library.mjs --devices
// …: qemu-<v>-hostdev.json and, for pseries, qemu-<v>-pseries_hostdev.json; an ivshmem server, the
// machine's i8042, an NSS card, CXL support), and the real files here come from other VMs with all of
// them at once (scripts/make-virtio-fixtures.mjs --set hostdev: hostdev-pc, hostdev-q35 and
// hostdev-pseries, each a device-state file with footers, one without, and the migration stream of the
// same VM). Oracle: the stream's own JSON description, used to decode the same device-state file; the
// library decode must frame every section the same and give every leaf the same offset, size and
// value. QEMU's refusal to migrate an ivshmem peer is recorded beside the files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from './testing/fixtures.ts';
import { agreement } from './testing/libraries.ts';
import { decodeTwice, sectionsNamed as sections, twinCases } from './testing/virtio-twins.ts';

const HOSTDEV = /^(ivshmem-(plain|doorbell)|vmmouse|ccid-card-emulated|cxl-type3),/;
const CASES = twinCases((a) => HOSTDEV.test(a), 'hostdev');
const VERSIONS = ['qemu-7.2', 'qemu-10.0', 'qemu-11.1'];

describe('hostdev devices decoded by the libraries equal their decode with the true description', { timeout: 120_000 }, () => {
  it('covers pc, q35, virt and pseries, with and without footers, on QEMU 7.2, 10.0 and 11.1', () => {
    expect(CASES.length).toBe(3 * 4 * 2);
    expect(new Set(CASES.map((c) => c.v))).toEqual(new Set(VERSIONS));
    expect(new Set(CASES.map((c) => c.file.replace(/-(nofooter-)?devstate.*/, '')))).toEqual(new Set(['hostdev-pc', 'hostdev-q35', 'hostdev-virt', 'hostdev-pseries']));
  });

  let leaves = 0;
  it.each(CASES)('$name', async (c) => {
    const { withLibrary, withTruth } = await decodeTwice(c);
    // Every section of the file, not only the new devices': the probes' variants must not displace others.
    const a = agreement(withLibrary, withTruth);
    // Gaps older than these devices, where 10.0 and 11.1 changed a layout without changing its size and
    // the sections keep their first fit, 7.2's (version-consensus.ts): globalstate's 100-byte runstate
    // became runstate[32], has_vm_was_suspended, vm_was_suspended and unused[66] (4 leaves; files
    // without footers have no globalstate), and aarch64's pl011 gained an `unused` word (1 leaf).
    const newer = c.v !== 'qemu-7.2';
    const gapLeaves = { globalstate: newer && !c.file.includes('nofooter') ? 4 : 0, pl011: newer && c.file.startsWith('hostdev-virt') ? 1 : 0 };
    const gap = Object.entries(gapLeaves).filter(([, n]) => n).map(([s]) => s);
    expect(a.framedExactly).toBe(a.sections);
    if (c.file.startsWith('hostdev-pseries')) {
      // pseries' own gaps, as on the held-out files (library-heldout.test.ts): spapr's device-tree blob
      // has the size of its VM's devices, 10.0/11.1's cpu and the footer-less spapr_nvram differ in a
      // few leaves. Every section still frames exactly, and the hostdev devices' sections are equal.
      expect(a.differing.filter((d) => !['spapr', 'cpu', 'nvram@71000000/spapr_nvram', ...gap].includes(d))).toEqual([]);
      expect(a.differing.filter((d) => /ivshmem|usb-ccid|xhci/.test(d))).toEqual([]);
      expect(a.equalValues / a.leaves).toBeGreaterThan(0.9995);
    } else {
      expect([...a.differing].sort()).toEqual(gap.sort());
      expect(a.equalValues).toBe(a.leaves - gapLeaves.globalstate - gapLeaves.pl011);
    }
    leaves += a.equalValues;
    for (const vmsd of ['ivshmem-plain', 'ivshmem-doorbell']) {
      const [t, ...more] = sections(withTruth.records, new RegExp(`/${vmsd}$`));
      expect(more).toEqual([]);
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.decodedBy, r.vmsdName, r.exact, r.problems]).toEqual(['bundled', vmsd, true, []]);
      expect(r.describedVersions, r.describedBy).toContain(c.v.replace('qemu-', ''));
    }
    // The machine's own vmmouse (vmport) and the one of -device vmmouse,i8042=… (x86 only).
    expect(sections(withTruth.records, /^vmmouse$/).map((r) => r.instanceId)).toEqual(/^hostdev-(pc|q35)/.test(c.file) ? [0, 1] : []);
    if (!c.file.startsWith('hostdev-q35')) {
      // ccid-card-emulated has no section of its own: its card is part of usb-ccid's.
      expect(sections(withTruth.records, /usb-ccid$/).length).toBe(1);
      expect(sections(withTruth.records, /ccid-card/)).toEqual([]);
    } else {
      // cxl-type3 writes no section (its memory is a RAM block, its registers are not migrated); pxb-cxl
      // brings a second PCI host and its buses.
      expect(sections(withTruth.records, /cxl/i)).toEqual([]);
      expect(sections(withTruth.records, /^PCIHost$/).length).toBe(2);
    }
  });

  it('compared leaves in all (the count the report quotes)', () => {
    console.log(`hostdev: ${leaves} leaves equal in ${CASES.length} files`);
    expect(leaves).toBeGreaterThan(1_100_000);
  });

  // The sections the files lack are not a probe's omission: QEMU's own list of what it can migrate
  // (-dump-vmstate, src/format/vmdesc-library/vmstate-dumps) has no vmsd for cxl-type3 or
  // ccid-card-emulated, and has the others.
  it('-dump-vmstate of q35 has ivshmem-plain, ivshmem-doorbell, vmmouse, usb-ccid and pxb-cxl-host, and nothing for cxl-type3 or ccid-card-emulated', () => {
    for (const v of VERSIONS) {
      const dump = JSON.parse(gunzipSync(readFileSync(join(FIXTURE_DIR, '../../src/format/vmdesc-library/vmstate-dumps', `${v}-q35.json.gz`))).toString('utf8')) as Record<string, unknown>;
      const names = Object.keys(dump).filter((k) => /ivshmem|vmmouse|ccid|cxl/.test(k)).sort();
      expect(names, v).toEqual(['ccid-card-passthru', 'ivshmem-doorbell', 'ivshmem-plain', 'pxb-cxl-host', 'usb-ccid', 'vmmouse']);
    }
  });

  it('QEMU refuses to migrate an ivshmem peer (master=off, the default), as the fixtures script recorded', () => {
    for (const v of VERSIONS) {
      const m = JSON.parse(readFileSync(join(FIXTURE_DIR, 'hostdev', v, 'manifest.json'), 'utf8')) as { refusals: { name: string; message: string }[] };
      expect(m.refusals.map((r) => [r.name, r.message])).toEqual([
        ['ivshmem-plain-peer', "migrate: Migration is disabled when using feature 'peer mode' in device 'ivshmem'"],
        ['ivshmem-doorbell-peer', "migrate: Migration is disabled when using feature 'peer mode' in device 'ivshmem'"],
      ]);
    }
  });
});
