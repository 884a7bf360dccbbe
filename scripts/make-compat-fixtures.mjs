#!/usr/bin/env node
// Facts about QEMU 7.2, 10.0 and 11.1 for the compatibility check (issue #12), gathered from the
// real programs, and the verdicts of real cross-version loads that the check is tested against.
//
//   node scripts/make-compat-fixtures.mjs [--arch x86_64|aarch64|ppc64|s390x] [--trixie /var/tmp/trixie] [--forky /var/tmp/forky] [--virtio-facts-only | --ram-blocks-only | --unmigratable-only]
//
// QEMU 7.2 runs on the host, 10.0 and 11.1 from Debian trixie / forky debootstrap chroots (see
// scripts/make-fixtures-qemu10.mjs for making them; aarch64 needs qemu-system-arm in them). For
// each version it records, into public/compat/qemu-VERSION-ARCH.json.gz:
// - `-machine help`: the machine types it offers (an older QEMU lacks the newer ones);
// - `-dump-vmstate`: every device vmsd with version_id, minimum_version_id and subsections (the
//   migration JSON has no minimum versions and lists only the subsections that were sent);
// - the JSON description of a migration of the reference VMs below: the idstr, vmsd name and
//   version of every section, including those -dump-vmstate omits (cpu, timer, ...);
// - `virtio`: each virtio device type's virtqueue sizes and whether the loader refuses a larger
//   saved one (lib/compat-qemu.mjs virtioFacts);
// - `ramBlocks`: every machine type's RAM blocks with used and maximum length (lib/compat-ramblocks.mjs);
// - `unmigratable`: the vmsds marked unmigratable, which block any load (lib/compat-qemu.mjs unmigratableVmsds).
// Then it saves each reference VM with each version (device-state file and migration stream) and
// loads every file into every other version (docs/format.md §9 recipe: -incoming, the writer's
// machine type where the target has it, send-configuration=off for device-state files), and writes
// QEMU's verdict and messages to public/compat/loads.json (x86_64) or loads-ARCH.json, and the
// saved files beside them: the tests run the check on exactly these bytes. Only the chosen
// architecture's files are replaced.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { configurationType, defaultCpus, dumpVmstate, hostPath, load, machineTypes, run, save, unmigratableVmsds, virtioFacts, vmdescText, WORK } from './lib/compat-qemu.mjs';
import { ramBlockFacts } from './lib/compat-ramblocks.mjs';
import { REPO_ROOT } from './lib/qemu.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const VERSIONS = [
  { version: '7.2', root: '/' },
  { version: '10.0', root: arg('--trixie', '/var/tmp/trixie') },
  { version: '11.1', root: arg('--forky', '/var/tmp/forky') },
];

// Reference VMs per architecture. x86: the machine's own devices plus a PCIe NIC whose config
// space differs between machine-type versions, and a virtio device. aarch64 `virt`: the CPU's
// register list (target/arm/machine.c cpreg_vmstate_*) is what differs between versions; a
// cortex-a57 (a fixed CPU model) and `max` (which gains features, hence registers, each release).
// virtioProbe: a VM with one device of each virtio type that needs no backend on the arch's own
// transport (virtio-blk on a null block device), whose virtqueue sizes virtioFacts reads.
const probe = (suffix, args = []) => ({
  args: ['-blockdev', 'null-co,node-name=probe0', ...args],
  devices: ['rng', 'balloon', 'net', 'serial', 'scsi', 'keyboard', 'gpu'].map((d) => `virtio-${d}-${suffix}`).concat(`virtio-blk-${suffix},drive=probe0`),
});
const ARCHES = {
  x86_64: {
    binary: 'qemu-system-x86_64',
    virtioProbe: probe('pci'),
    loads: 'loads.json',
    vms: {
      pc: { machine: 'pc', args: ['-device', 'e1000e,romfile=,mac=52:54:00:12:34:70', '-device', 'virtio-rng-pci'] },
      q35: { machine: 'q35', args: ['-device', 'e1000e,romfile=,mac=52:54:00:12:34:71', '-device', 'virtio-rng-pci'] },
    },
  },
  aarch64: {
    binary: 'qemu-system-aarch64',
    virtioProbe: probe('pci'),
    loads: 'loads-aarch64.json',
    vms: {
      virt: { machine: 'virt', args: ['-cpu', 'cortex-a57', '-device', 'virtio-rng-pci'] },
      'virt-max': { machine: 'virt', args: ['-cpu', 'max', '-device', 'virtio-rng-pci'] },
    },
  },
  // ppc64 pseries (256 MiB: the firmware's minimum is above COMMON's 32) and s390x: their machine
  // sections (spapr, cpu, s390 css) change between versions; a virtio device on their own buses.
  ppc64: {
    binary: 'qemu-system-ppc64',
    virtioProbe: probe('pci', ['-m', '256']),
    loads: 'loads-ppc64.json',
    vms: {
      pseries: { machine: 'pseries', args: ['-m', '256', '-smp', '2', '-device', 'virtio-rng-pci'] },
    },
  },
  s390x: {
    binary: 'qemu-system-s390x',
    virtioProbe: probe('ccw', ['-m', '256']),
    loads: 'loads-s390x.json',
    vms: {
      's390-ccw-virtio': { machine: 's390-ccw-virtio', args: ['-m', '128', '-smp', '2', '-device', 'virtio-rng-ccw'] },
    },
  },
};
const archName = arg('--arch', 'x86_64');
const ARCH = ARCHES[archName];
if (!ARCH) throw new Error(`--arch: one of ${Object.keys(ARCHES).join(', ')}`);
const OUT = resolve(REPO_ROOT, 'public/compat');
const log = (...a) => console.log('[compat]', ...a);

/**
 * The subsections the reference VM sent: this version knows them even where -dump-vmstate does
 * not list their parent (it omits the CPU), e.g. aarch64's cpu/wfxt-timer.
 */
function sentSubsections(desc) {
  const versions = {};
  const visit = (d) => {
    for (const f of d?.fields ?? []) visit(f.Description ?? f.struct);
    for (const sub of d?.subsections ?? []) (versions[sub.vmsd_name] = sub.version), visit(sub);
  };
  desc.devices.forEach(visit);
  const names = Object.keys(versions).sort();
  // The versions too: -dump-vmstate omits cpu, so ppc's cpu/slb v2 (QEMU 10.0) vs v1 (7.2) shows only here.
  return { subsections: names, subsectionVersions: Object.fromEntries(names.map((n) => [n, versions[n]])) };
}

/** Removes this architecture's previous output (other architectures' files stay). */
function clearOutput() {
  mkdirSync(OUT, { recursive: true });
  const mine = (f) => f === ARCH.loads || f.endsWith(`-${archName}.json.gz`) || Object.keys(ARCH.vms).some((vm) => new RegExp(`^${vm}-[0-9.]+-(devstate|migration)\\.bin\\.gz$`).test(f));
  for (const f of readdirSync(OUT)) if (mine(f)) rmSync(join(OUT, f));
}

async function main() {
  for (const v of VERSIONS) if (v.root !== '/' && !existsSync(join(v.root, 'usr/bin', ARCH.binary))) throw new Error(`no ${ARCH.binary} ${v.version} in ${v.root}`);
  clearOutput();
  const saved = {};
  for (const v of VERSIONS) {
    mkdirSync(hostPath(v, WORK), { recursive: true });
    const qemu = run(v, ARCH, ['--version']).split('\n')[0];
    const machines = machineTypes(v, ARCH);
    const vmsds = dumpVmstate(v, ARCH);
    const reference = {};
    for (const vm of Object.keys(ARCH.vms)) {
      const s = await save(v, ARCH, vm);
      saved[`${vm}@${v.version}`] = s;
      // The JSON description at the end of the migration stream (docs/format.md §4).
      const bytes = readFileSync(hostPath(v, s.mig));
      const desc = JSON.parse(vmdescText(bytes));
      const configuration = configurationType(bytes);
      reference[vm] = { machineType: configuration, sections: desc.devices.map((d) => ({ idstr: d.name, instanceId: d.instance_id, vmsd: d.vmsd_name ?? null, version: d.version ?? null })), ...sentSubsections(desc) };
      log(qemu, vm, configuration, desc.devices.length, 'sections');
    }
    const data = { qemu, version: v.version, arch: archName, generatedBy: 'scripts/make-compat-fixtures.mjs', ...machines, defaultCpus: await defaultCpus(v, ARCH), virtio: await virtioFacts(v, ARCH), ramBlocks: await ramBlockFacts(v, ARCH, archName, machines.machines), unmigratable: unmigratableVmsds(v, ARCH), reference, vmsds };
    writeFileSync(join(OUT, `qemu-${v.version}-${archName}.json.gz`), gzipSync(JSON.stringify(data), { level: 9 }));
  }
  const loads = [];
  for (const from of VERSIONS) {
    for (const to of VERSIONS) {
      if (from === to) continue;
      const toMachines = machineTypes(to, ARCH);
      for (const vm of Object.keys(ARCH.vms)) {
        const s = saved[`${vm}@${from.version}`];
        const writerType = configurationType(readFileSync(hostPath(from, s.mig)));
        // A stream loads into the writer's machine type where the target still has it; otherwise
        // into the target's own type of that family, which QEMU then refuses by name (§5.1).
        const alias = ARCH.vms[vm].machine;
        const streamType = toMachines.machines.includes(writerType) ? writerType : alias;
        for (const [kind, file, type] of [['devstate', s.dev, alias], ['migration', s.mig, streamType]]) {
          const r = await load(from, to, ARCH, file, kind, vm, type);
          loads.push({ from: from.version, to: to.version, vm, kind, file: file.split('/').pop(), machineType: type, ...r });
          log(`${from.version} -> ${to.version} ${vm} ${kind} (${type}): ${r.ok ? 'loads' : `fails: ${r.messages.join(' | ')}`}`);
        }
      }
    }
  }
  writeFileSync(join(OUT, ARCH.loads), JSON.stringify({ generatedBy: 'scripts/make-compat-fixtures.mjs', arch: archName, binary: ARCH.binary, loads }, null, 1) + '\n');
  for (const [key, s] of Object.entries(saved)) {
    const v = VERSIONS.find((x) => x.version === key.split('@')[1]);
    for (const f of [s.dev, s.mig]) writeFileSync(join(OUT, `${f.split('/').pop()}.gz`), gzipSync(readFileSync(hostPath(v, f)), { level: 9 }));
  }
}

/**
 * --virtio-facts-only: adds the virtio facts (virtioFacts) to this architecture's existing
 * qemu-VERSION-ARCH.json.gz files and changes nothing else: the saved files and recorded loads stay.
 */
async function virtioFactsOnly() {
  for (const v of VERSIONS) {
    const file = join(OUT, `qemu-${v.version}-${archName}.json.gz`);
    const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    data.virtio = await virtioFacts(v, ARCH);
    log(v.version, archName, Object.keys(data.virtio.queueSizes).length, 'virtio devices, refuses larger queues:', data.virtio.refusesLargerQueues);
    writeFileSync(file, gzipSync(JSON.stringify(data), { level: 9 }));
  }
}

/** --ram-blocks-only: adds or replaces `ramBlocks` in this architecture's qemu-VERSION-ARCH.json.gz, nothing else. */
async function ramBlocksOnly() {
  for (const v of VERSIONS) {
    const file = join(OUT, `qemu-${v.version}-${archName}.json.gz`);
    const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    data.ramBlocks = await ramBlockFacts(v, ARCH, archName, data.machines);
    log(v.version, archName, Object.keys(data.ramBlocks.machines).length, 'machine types,', data.ramBlocks.sets.length, 'distinct RAM block lists', data.ramBlocks.failed ?? '');
    writeFileSync(file, gzipSync(JSON.stringify(data), { level: 9 }));
  }
}

/** --unmigratable-only: adds or replaces `unmigratable` in this architecture's qemu-VERSION-ARCH.json.gz, nothing else. */
function unmigratableOnly() {
  for (const v of VERSIONS) {
    const file = join(OUT, `qemu-${v.version}-${archName}.json.gz`);
    const data = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    data.unmigratable = unmigratableVmsds(v, ARCH);
    log(v.version, archName, 'unmigratable:', data.unmigratable.join(' '));
    writeFileSync(file, gzipSync(JSON.stringify(data), { level: 9 }));
  }
}

if (process.argv.includes('--unmigratable-only')) unmigratableOnly();
else await (process.argv.includes('--virtio-facts-only') ? virtioFactsOnly() : process.argv.includes('--ram-blocks-only') ? ramBlocksOnly() : main());
