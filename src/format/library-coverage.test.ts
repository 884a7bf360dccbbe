// What the description libraries cover, against `-device help` of the real QEMUs: NOT-COVERED.md
// (scripts/library/not-covered.mjs, from every library file's probe records) must be current, and
// every device type a QEMU offers on pc and q35 must have been probed by some library of its version
// (migrated there, or in NOT-COVERED.md with QEMU's reason). Where this machine has that QEMU (7.2 on
// the host, 10.0 and 11.1 in their chroots), it is asked; elsewhere that part is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QEMUS } from '../../scripts/lib/qemu.mjs';
import { CLASSES, records, uncovered, unmigratable, vmsdHolder } from '../../scripts/library/not-covered.mjs';

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, 'src/format/vmdesc-library');

/** target → every device type some library file of VERSION probed there (migrated or failed). */
function probed(version: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of readdirSync(DIR).filter((x) => x.startsWith(`qemu-${version}`) && x.endsWith('.json'))) {
    const lib = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { probes: Record<string, { migrated: string[]; failed: Record<string, string> }> };
    for (const [t, p] of Object.entries(lib.probes)) {
      const s = out.get(t) ?? new Set<string>();
      for (const d of [...p.migrated, ...Object.keys(p.failed)]) s.add(d);
      out.set(t, s);
    }
  }
  return out;
}

/** `-device help` of QEMU's x86_64 binary for MACHINE, less the CPU types (probed as -cpu). */
function deviceHelp(chroot: string | null, machine: string): string[] {
  const args = ['-M', machine, '-device', 'help'];
  const text = chroot ? execFileSync('chroot', [chroot, 'qemu-system-x86_64', ...args], { encoding: 'utf8' }) : execFileSync('qemu-system-x86_64', args, { encoding: 'utf8' });
  const types: string[] = [];
  let category = '';
  for (const line of text.split('\n')) {
    const h = /^([A-Za-z/ ]+) devices:$/.exec(line.trim());
    if (h) category = h[1];
    const m = /^name "([^"]+)"/.exec(line.trim());
    if (m && category !== 'CPU') types.push(m[1]);
  }
  return types;
}

const available = (q: { version: string; chroot: string | null }) => {
  if (q.chroot && !existsSync(join(q.chroot, 'usr/bin/qemu-system-x86_64'))) return false;
  const r = q.chroot ? spawnSync('chroot', [q.chroot, 'qemu-system-x86_64', '--version'], { encoding: 'utf8' }) : spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
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

  for (const q of QEMUS) {
    it.skipIf(!available(q))(`QEMU ${q.version}: every device type of -device help on pc and q35 was probed`, () => {
      const seen = probed(q.version);
      for (const [machine, target] of [['pc', 'x86_64-pc'], ['q35', 'x86_64-q35']]) {
        const missing = deviceHelp(q.chroot, machine).filter((t) => !seen.get(target)?.has(t));
        expect(missing, `${q.version} ${machine}`).toEqual([]);
      }
    });
  }
});
