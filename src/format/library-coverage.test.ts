// What the description libraries cover, against `-device help` of the real QEMUs: NOT-COVERED.md
// (scripts/library/not-covered.mjs, from every library file's probe records) must be current, and
// every device type a QEMU offers on each machine the libraries cover (pc, q35, virt, pseries,
// s390-ccw-virtio; `-device help` as recorded by scripts/library/device-help.mjs) must have been probed
// there by some library of its version (migrated, or in NOT-COVERED.md with QEMU's reason). Where this
// machine has that QEMU (7.2 on the host, 10.0 and 11.1 in their chroots), the records are checked
// against what it prints now; elsewhere that part is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QEMUS } from '../../scripts/lib/qemu.mjs';
import { HELP_MACHINES, parseHelp, recordedHelp, unprobed, unprobedCpus } from '../../scripts/library/device-help.mjs';
import { CLASSES, records, uncovered, unmigratable, vmsdHolder } from '../../scripts/library/not-covered.mjs';

const ROOT = join(import.meta.dirname, '../..');

/** `-device help` of QEMU VERSION's BINARY for MACHINE, asked now, less the CPU types (probed as -cpu). */
function liveHelp(chroot: string | null, binary: string, machine: string): string[] {
  const args = ['-M', machine, '-device', 'help'];
  const text = chroot ? execFileSync('chroot', [chroot, binary, ...args], { encoding: 'utf8' }) : execFileSync(binary, args, { encoding: 'utf8' });
  return (parseHelp(text) as { type: string; category: string }[]).filter((d) => d.category !== 'CPU').map((d) => d.type);
}

/** The recorded `-device help` (scripts/library/device-help.mjs), less the CPU types. */
const recorded = (version: string, label: string) =>
  (recordedHelp(version, label) as { type: string; category: string }[]).filter((d) => d.category !== 'CPU').map((d) => d.type);

/** Whether this machine has QEMU Q.version's BINARY (on the host for 7.2, in its chroot otherwise). */
const available = (q: { version: string; chroot: string | null }, binary = 'qemu-system-x86_64') => {
  if (q.chroot && !existsSync(join(q.chroot, 'usr/bin', binary))) return false;
  const r = q.chroot ? spawnSync('chroot', [q.chroot, binary, '--version'], { encoding: 'utf8' }) : spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && new RegExp(`version ${q.version.replace('.', '\\.')}\\.`).test(r.stdout);
};

describe('device types the libraries do not cover', () => {
  it('NOT-COVERED.md is what scripts/library/not-covered.mjs makes of the library files', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/library/not-covered.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every row has a reason class and QEMU\'s message; the hostdev devices are covered on q35', () => {
    const rows = uncovered() as { version: string; type: string; targets: string[]; why: string; cls: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(CLASSES.map((c) => c.id)).toContain(r.cls);
      expect(r.why).toMatch(/^(start|migrate): \S/);
    }
    const q35 = rows.filter((r) => r.targets.includes('x86_64-q35')).map((r) => `${r.version} ${r.type}`);
    for (const v of ['7.2', '10.0', '11.1']) {
      for (const type of ['ivshmem-plain', 'ivshmem-doorbell', 'vmmouse', 'pxb-cxl', 'cxl-type3', 'ccid-card-emulated']) expect(q35).not.toContain(`${v} ${type}`);
    }
  });

  it('no row needs a value the probes could give: the pseries PHB, bridges and memory devices migrated on pseries', () => {
    // scripts/library/value-rules.mjs answers each `config` message of issue 12 with the value QEMU
    // names; what still fails does so for a reason of another class, in QEMU's words.
    const rows = uncovered() as { version: string; type: string; cls: string }[];
    expect(rows.filter((r) => r.cls === 'config').map((r) => `${r.version} ${r.type}`)).toEqual([]);
    for (const [version, targets] of records() as Map<string, Map<string, { migrated: Set<string> }>>) {
      const pseries = targets.get('ppc64-pseries')!.migrated;
      for (const type of ['spapr-pci-host-bridge', 'pci-bridge', 'pci-bridge-seat', 'pc-dimm', 'nvdimm', 'spapr-nvdimm']) expect(pseries.has(type), `${version} ${type}`).toBe(true);
    }
  });

  it('a vhost-user vmsd without fields in -dump-vmstate is one QEMU refuses to migrate (the sign the blocked rows use)', () => {
    // Checked on the vhost-user devices a probe did take to migration (vhost-user-blk and -fs, with
    // their back-ends): QEMU's own verdict must match the sign, both ways.
    let checked = 0;
    for (const [version, targets] of records() as Map<string, Map<string, { migrated: Set<string>; failed: Map<string, { why: string }> }>>) {
      const bare = unmigratable(version);
      for (const t of targets.values()) {
        for (const type of t.migrated) if (/^vhost-user-/.test(type)) (checked++, expect(vmsdHolder(type, bare), `${version} ${type}`).toBeUndefined());
        for (const [type, { why }] of t.failed) {
          // Only where QEMU names the vhost-user device itself: on s390x a PCI one is blocked by its zpci.
          if (!/^vhost-user-/.test(type) || !why.startsWith('migrate:') || t.migrated.has(type) || !/non-migratable device '[^']*vhost-user/.test(why)) continue;
          checked++;
          expect(why).toMatch(/non-migratable device/);
          expect(vmsdHolder(type, bare), `${version} ${type}`).toBeDefined();
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  // Every device type of the recorded `-device help` lists, on every machine the libraries cover, was
  // probed there by some library file of its version: migrated, or failed with QEMU's reason (and so a
  // NOT-COVERED.md row unless it migrated on another target). This holds on any host, so a reduced run
  // (--devices) can no longer pass for a full one, as the 7.2 and 10.0 pseries, 7.2 and 10.0 s390x and
  // 10.0 and 11.1 aarch64 runs did until their qemu-<v>-<arch>_rest.json supplements. The CPU types
  // are checked apart below: make-vmdesc-library.mjs probes them as -cpu MODEL, not with -device.
  for (const q of QEMUS) {
    for (const m of HELP_MACHINES as { label: string; binary: string; target: string }[]) {
      it(`QEMU ${q.version} ${m.label}: every device type of the recorded -device help was probed on ${m.target}`, () => {
        expect(recorded(q.version, m.label).length).toBeGreaterThan(100);
        expect(unprobed(q.version, m.label), `${q.version} ${m.label}`).toEqual([]);
      });
    }
  }

  // The CPU types of `-device help` (x86's and s390x's -cpu models, pseries' spapr-cpu-core; aarch64
  // virt lists none) were probed as `-cpu MODEL` on their architecture (migrated, or refused with QEMU's
  // reason: s390x models with features TCG lacks). The 10.0 and 11.1 x86 runs and the pseries and s390x
  // runs made no -cpu probes until their qemu-<v>-<arch>_cpus.json supplements.
  for (const q of QEMUS) {
    for (const m of HELP_MACHINES as { label: string }[]) {
      it(`QEMU ${q.version} ${m.label}: every CPU type of the recorded -device help was probed as -cpu MODEL`, () => {
        expect(unprobedCpus(q.version, m.label), `${q.version} ${m.label}`).toEqual([]);
      });
    }
  }

  // Where this machine has that QEMU, the recorded lists are what it prints now.
  for (const q of QEMUS) {
    it.skipIf(!available(q))(`QEMU ${q.version}: the recorded -device help lists are what QEMU prints`, () => {
      for (const m of HELP_MACHINES as { label: string; binary: string }[]) {
        if (!available(q, m.binary)) continue;
        expect(liveHelp(q.chroot, m.binary, m.label), `${q.version} ${m.label}`).toEqual(recorded(q.version, m.label));
      }
    });
  }
});
