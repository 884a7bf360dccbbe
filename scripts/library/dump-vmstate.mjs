#!/usr/bin/env node
// Records `-dump-vmstate` of every QEMU (7.2 on the host, 10.0 and 11.1 from the debootstrap
// chroots) for every machine the libraries cover, gzipped, in src/format/vmdesc-library/vmstate-dumps/
// qemu-<version>-<machine>.json.gz. QEMU writes it from migration/savevm.c dump_vmstate_json_to_file():
// for each device type with a vmsd its name, version_id, minimum_version_id, fields (with sizes) and
// subsections, which the migration JSON (vmdesc) lacks. pack-vmdesc-library.mjs turns them into the
// per-section facts the packed libraries carry (scripts/library/vmstate-facts.mjs).
//
// Usage: node scripts/library/dump-vmstate.mjs [--only 10.0]   (as root: chroot(2); only node built-ins)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chosenQemus } from '../lib/qemu.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(root, 'src/format/vmdesc-library/vmstate-dumps');
/** machine label → binary and -M value (the machines of make-vmdesc-library.mjs's targets). */
const MACHINES = [
  { label: 'pc', binary: 'qemu-system-x86_64', machine: 'pc' },
  { label: 'q35', binary: 'qemu-system-x86_64', machine: 'q35' },
  { label: 'virt', binary: 'qemu-system-aarch64', machine: 'virt' },
  { label: 'pseries', binary: 'qemu-system-ppc64', machine: 'pseries' },
  { label: 's390-ccw-virtio', binary: 'qemu-system-s390x', machine: 's390-ccw-virtio' },
];

mkdirSync(OUT, { recursive: true });
for (const q of chosenQemus(process.argv)) {
  for (const m of MACHINES) {
    const tmp = `/tmp/vmstate-dump-${process.pid}.json`;
    const hostTmp = q.chroot ? join(q.chroot, tmp) : tmp;
    const args = ['-M', m.machine, '-nodefaults', '-display', 'none', '-dump-vmstate', tmp];
    try {
      execFileSync(q.chroot ? 'chroot' : m.binary, q.chroot ? [q.chroot, m.binary, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
      const text = readFileSync(hostTmp);
      const name = `qemu-${q.version}-${m.label}.json.gz`;
      writeFileSync(join(OUT, name), gzipSync(text, { level: 9 }));
      console.error(`${name}: ${text.length} bytes of JSON, machine ${JSON.parse(text).vmschkmachine?.Name}`);
    } catch (e) {
      console.error(`QEMU ${q.version} ${m.label}: ${String(e.stderr ?? e.message).trim().split('\n')[0]}`);
      process.exitCode = 1;
    } finally {
      rmSync(hostTmp, { force: true });
    }
  }
}
