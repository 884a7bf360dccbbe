#!/usr/bin/env node
// Records `-device help` of every QEMU (7.2 on the host, 10.0 and 11.1 from the debootstrap chroots)
// for every machine the libraries cover, as QEMU printed it, gzipped, in
// src/format/vmdesc-library/device-help/qemu-<version>-<machine>.txt.gz. library-coverage.test.ts
// checks from these that every device type a QEMU offers there was probed by some library file of its
// version (migrated, or failed with QEMU's reason and so listed in NOT-COVERED.md): a reduced run
// (--devices) that leaves types out cannot pass for a full one, on any host, with or without that QEMU.
//
// Usage: node scripts/library/device-help.mjs [--only 10.0]   (as root: chroot(2); only node built-ins)
//        node scripts/library/device-help.mjs --missing 10.0:pseries
// --missing prints, as make-vmdesc-library.mjs's --devices argument (TARGET:TYPE,…), the device types
// of the recorded list that no library file of the version probed on that machine's target (CPU types
// aside: they are -cpu models); the qemu-<v>-<arch>_rest.json supplements were made from it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chosenQemus } from '../lib/qemu.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HELP_DIR = join(root, 'src/format/vmdesc-library/device-help');

/** machine label → binary, -M value and the probe target of make-vmdesc-library.mjs (targets.mjs) that runs it. */
export const HELP_MACHINES = [
  { label: 'pc', binary: 'qemu-system-x86_64', target: 'x86_64-pc' },
  { label: 'q35', binary: 'qemu-system-x86_64', target: 'x86_64-q35' },
  { label: 'virt', binary: 'qemu-system-aarch64', target: 'aarch64-virt' },
  { label: 'pseries', binary: 'qemu-system-ppc64', target: 'ppc64-pseries' },
  { label: 's390-ccw-virtio', binary: 'qemu-system-s390x', target: 's390x-ccw' },
];

/** The device types of a `-device help` text with their category heading ("CPU", "Storage", …). */
export function parseHelp(text) {
  const out = [];
  let category = '';
  for (const line of text.split('\n')) {
    const h = /^([A-Za-z/ ]+) devices:$/.exec(line.trim());
    if (h) category = h[1];
    const m = /^name "([^"]+)"/.exec(line.trim());
    if (m) out.push({ type: m[1], category });
  }
  return out;
}

/** The recorded `-device help` of QEMU VERSION on machine LABEL, parsed. */
export const recordedHelp = (version, label) => parseHelp(gunzipSync(readFileSync(join(HELP_DIR, `qemu-${version}-${label}.txt.gz`))).toString('utf8'));

/** target → every device type some library file of VERSION probed there (migrated or failed). */
export function probedTypes(version) {
  const lib = join(root, 'src/format/vmdesc-library');
  const out = new Map();
  for (const f of readdirSync(lib).filter((x) => x.startsWith(`qemu-${version}`) && x.endsWith('.json'))) {
    for (const [t, p] of Object.entries(JSON.parse(readFileSync(join(lib, f), 'utf8')).probes ?? {})) {
      const s = out.get(t) ?? new Set();
      for (const d of [...p.migrated, ...Object.keys(p.failed)]) s.add(d);
      out.set(t, s);
    }
  }
  return out;
}

/** The device types of QEMU VERSION's recorded `-device help` on machine LABEL that no library file probed there. */
export function unprobed(version, label) {
  const { target } = HELP_MACHINES.find((m) => m.label === label);
  const seen = probedTypes(version).get(target) ?? new Set();
  return recordedHelp(version, label).filter((d) => d.category !== 'CPU' && !seen.has(d.type)).map((d) => d.type);
}

/** A CPU type of `-device help` → its -cpu model (the QOM type less the architecture's suffix). */
export const cpuModel = (type) => type.replace(/-(x86_64-cpu|aarch64-cpu|arm-cpu|spapr-cpu-core|s390x-cpu)$/, '');

/**
 * The CPU types of QEMU VERSION's recorded `-device help` on machine LABEL whose -cpu model no library
 * file probed on a target of the machine's architecture (make-vmdesc-library.mjs probes CPU types as
 * `-cpu MODEL`, recorded as "-cpu MODEL"; pc's probes stand for q35, which has the same models).
 */
export function unprobedCpus(version, label) {
  const arch = HELP_MACHINES.find((m) => m.label === label).target.split('-')[0];
  const seen = new Set();
  for (const [t, types] of probedTypes(version)) if (t.split('-')[0] === arch) for (const d of types) if (d.startsWith('-cpu ')) seen.add(d.slice(5));
  return recordedHelp(version, label).filter((d) => d.category === 'CPU' && !seen.has(cpuModel(d.type))).map((d) => d.type);
}

const missingArg = process.argv.indexOf('--missing');
if (missingArg > 0) {
  const [version, label] = process.argv[missingArg + 1].split(':');
  const { target } = HELP_MACHINES.find((m) => m.label === label);
  console.log(unprobed(version, label).map((t) => `${target}:${t}`).join(','));
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(HELP_DIR, { recursive: true });
  for (const q of chosenQemus(process.argv)) {
    for (const m of HELP_MACHINES) {
      const args = ['-M', m.label, '-device', 'help'];
      const text = execFileSync(q.chroot ? 'chroot' : m.binary, q.chroot ? [q.chroot, m.binary, ...args] : args, { encoding: 'utf8', timeout: 60_000 });
      const name = `qemu-${q.version}-${m.label}.txt.gz`;
      // mtime 0 in the gzip header (zlib writes none), so a re-run with the same QEMU changes no byte.
      writeFileSync(join(HELP_DIR, name), gzipSync(text, { level: 9 }));
      console.error(`${name}: ${parseHelp(text).length} device types`);
    }
  }
}
