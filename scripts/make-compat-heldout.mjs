#!/usr/bin/env node
// Held-out evidence for the compatibility check (issue #12): VM configurations the rules were not
// tuned on (other virtio devices, other transports), saved with QEMU 7.2, 10.0 and 11.1 and loaded
// into every other version like scripts/make-compat-fixtures.mjs does with its reference VMs. In two
// steps, so the check's predictions can be written down before QEMU's verdicts exist:
//
//   node scripts/make-compat-heldout.mjs save [VM...]   # public/compat/VM-VERSION-{devstate,migration}.bin.gz
//   node bin/vmstate-explorer.js check --target … FILES…   # predict, then record as firstPrediction
//   node scripts/make-compat-heldout.mjs load [VM...]   # public/compat/loads-heldout.json
//
// The check itself never sees these VMs' own states: it uses the facts and reference VMs of
// make-compat-fixtures.mjs, as it would with a user's file (src/format/compat/compat-heldout.test.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { configurationType, hostPath, load, machineTypes, save, WORK } from './lib/compat-qemu.mjs';
import { REPO_ROOT } from './lib/qemu.mjs';

const VERSIONS = [
  { version: '7.2', root: '/' },
  { version: '10.0', root: '/var/tmp/trixie' },
  { version: '11.1', root: '/var/tmp/forky' },
];
// Per architecture: the binary and the held-out VMs (none is a reference VM of the fixtures script).
const ARCHES = {
  x86_64: {
    binary: 'qemu-system-x86_64',
    vms: {
      // A virtio device the reference VMs lack, alone on pc: nothing else differs between versions.
      'pc-balloon': { machine: 'pc', args: ['-device', 'virtio-balloon-pci'] },
      // virtio-mmio, the transport no recorded x86 load used, on the unversioned microvm machine.
      'microvm-rng': { machine: 'microvm', args: ['-device', 'virtio-rng-device'] },
      // Second round (after the PCI config facts): virtio devices on q35's PCI Express root bus.
      'q35-serial-scsi': { machine: 'q35', args: ['-device', 'virtio-serial-pci', '-device', 'virtio-scsi-pci'] },
    },
  },
  aarch64: {
    binary: 'qemu-system-aarch64',
    vms: {
      // Second round: virtio-mmio beside virtio-pci on the Arm board.
      'virt-balloon-mmio': { machine: 'virt', args: ['-cpu', 'cortex-a57', '-device', 'virtio-balloon-device', '-device', 'virtio-net-pci'] },
    },
  },
  ppc64: {
    binary: 'qemu-system-ppc64',
    vms: {
      // Second round: two virtio-pci devices on sPAPR's PHB.
      'pseries-net-balloon': { machine: 'pseries', args: ['-m', '256', '-device', 'virtio-net-pci', '-device', 'virtio-balloon-pci'] },
    },
  },
  s390x: {
    binary: 'qemu-system-s390x',
    vms: {
      // Two other virtio-ccw devices, at other subchannels than the reference VM's virtio-rng.
      's390-balloon-net': { machine: 's390-ccw-virtio', args: ['-m', '128', '-smp', '2', '-device', 'virtio-balloon-ccw', '-device', 'virtio-net-ccw'] },
    },
  },
};
const OUT = resolve(REPO_ROOT, 'public/compat');
const LOADS = join(OUT, 'loads-heldout.json');
const step = process.argv[2];
if (step !== 'save' && step !== 'load') throw new Error('usage: make-compat-heldout.mjs save|load [VM...]');
// Only these VMs (a new round), the others' files and loads stay as recorded.
const only = process.argv.slice(3);
for (const a of Object.values(ARCHES)) for (const vm of Object.keys(a.vms)) if (only.length && !only.includes(vm)) delete a.vms[vm];
const log = (...a) => console.log('[heldout]', ...a);
const files = (vm, v) => ({ dev: `${WORK}/${vm}-${v.version}-devstate.bin`, mig: `${WORK}/${vm}-${v.version}-migration.bin` });

async function main() {
  const recorded = step === 'load' && existsSync(LOADS) ? JSON.parse(readFileSync(LOADS, 'utf8')).loads : [];
  const loads = recorded.filter((l) => !Object.values(ARCHES).some((a) => a.vms[l.vm]));
  for (const [archName, arch] of Object.entries(ARCHES)) {
    if (step === 'save') {
      for (const v of VERSIONS) {
        mkdirSync(hostPath(v, WORK), { recursive: true });
        for (const vm of Object.keys(arch.vms)) {
          const s = await save(v, arch, vm);
          for (const f of [s.dev, s.mig]) writeFileSync(join(OUT, `${f.split('/').pop()}.gz`), gzipSync(readFileSync(hostPath(v, f)), { level: 9 }));
          log(archName, vm, v.version, 'saved');
        }
      }
      continue;
    }
    for (const from of VERSIONS) {
      for (const to of VERSIONS) {
        if (from === to) continue;
        const toMachines = machineTypes(to, arch);
        for (const vm of Object.keys(arch.vms)) {
          const s = files(vm, from);
          const writerType = configurationType(readFileSync(hostPath(from, s.mig)));
          const alias = arch.vms[vm].machine;
          const streamType = toMachines.machines.includes(writerType) ? writerType : alias;
          for (const [kind, file, type] of [['devstate', s.dev, alias], ['migration', s.mig, streamType]]) {
            const r = await load(from, to, arch, file, kind, vm, type);
            // What the check predicted before this load was first made stays with it.
            const before = recorded.find((l) => l.arch === archName && l.vm === vm && l.from === from.version && l.to === to.version && l.kind === kind);
            const first = before?.firstPrediction ? { firstPrediction: before.firstPrediction, round: before.round } : {};
            loads.push({ arch: archName, from: from.version, to: to.version, vm, kind, file: file.split('/').pop(), machineType: type, ...r, ...first });
            log(`${archName} ${from.version} -> ${to.version} ${vm} ${kind} (${type}): ${r.ok ? 'loads' : `fails: ${r.messages.join(' | ')}`}`);
          }
        }
      }
    }
  }
  const note = 'firstPrediction: what `vmstate-explorer check FILE --target TO` printed for each file before QEMU first loaded it (round: which batch of VMs)';
  if (step === 'load') writeFileSync(LOADS, JSON.stringify({ generatedBy: 'scripts/make-compat-heldout.mjs', note, loads }, null, 1) + '\n');
}

await main();
