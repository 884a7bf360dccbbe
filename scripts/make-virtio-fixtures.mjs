#!/usr/bin/env node
// Real files for the virtio devices whose own state (beyond virtio_save's common part) the decoder
// learned after virtio-rng/-scsi/-input/-blk/-serial/-balloon/-net (src/format/virtio/devices*.ts;
// issue 12). For QEMU 7.2 (host), 10.0 (/var/tmp/trixie) and 11.1 (/var/tmp/forky) and each machine
// below, one stopped VM (-S, the guest never runs) with those devices, saved three ways:
//   <machine>-devstate.bin.gz           QMP xen-save-devices-state (header, sections with footers, EOF)
//   <machine>-nofooter-devstate.bin.gz  the same from a second, identical VM started with Xen's
//                                       framing globals (no footers, no configuration, no globalstate)
//   <machine>-migration.bin.gz          `migrate` of the first VM: the same sections and the vmdesc
//                                       JSON, the truth both device-state files are compared with
// Guest RAM is a shared memfd and x-ignore-shared is on, so the streams carry no guest pages (small
// fixtures); option ROMs are off. Which virtio devices exist and migrate, and why the others are not
// here: docs/virtio-devices.md (scripts/virtio/survey.mjs).
// Written to public/fixtures/virtio/qemu-<version>/ with manifest.json (arguments, sizes, twins).
// With --set hostdev, the same for the machines of scripts/lib/hostdev-machines.mjs (ivshmem, vmmouse,
// ccid-card-emulated, cxl-type3: devices that need a host backend or machine support), written to
// public/fixtures/hostdev/qemu-<version>/, with QEMU's refusals of the ivshmem peers in the manifest.
// With --set values, the pseries VM of scripts/lib/value-machines.mjs (public/fixtures/values/).
//
// Usage (as root: chroot(2); needs each QEMU's qemu-storage-daemon: package qemu-system-common on the
// 7.2 host, qemu-utils in the 10.0 and 11.1 chroots):
//   node scripts/make-virtio-fixtures.mjs [--only 10.0] [--machines q35,virt] [--set hostdev]
// (--set hostdev also needs python3 and certutil, package libnss3-tools, on the host)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chosenQemus, qemuVersionText, REPO_ROOT, startQemu } from './lib/qemu.mjs';
import { HOSTDEV_MACHINES, HOSTDEV_REFUSALS, i8042Path, prepareHostdev } from './lib/hostdev-machines.mjs';
import { VALUE_MACHINES } from './lib/value-machines.mjs';
import { waitForMigration } from './lib/qmp.mjs';
import { COMMON, saveDevstateAndStream, saveNoFooter, writeManifest, writeTwinFiles, XEN_GLOBALS } from './lib/twin-fixtures.mjs';
import { startVhostUserBlkServer } from './lib/vhost-user-blk.mjs';
import { startVirtiofsd, virtiofsdCommand } from './lib/virtiofsd.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : null);
const QEMUS = chosenQemus(argv);
const SET = opt('--set') ?? 'virtio';
if (!['virtio', 'hostdev', 'values'].includes(SET)) throw new Error(`--set ${SET}: virtio, hostdev or values`);

/** Guest RAM (and hotpluggable memory) shared, so x-ignore-shared leaves its pages out of the stream. */
const ram = (size) => ['-object', `memory-backend-memfd,id=ram0,size=${size},share=on`, '-m', `${size},maxmem=1G`];
const VMEM = ['-object', 'memory-backend-memfd,id=vmem0,size=128M,share=on'];
/** A 9p export of an empty directory (created inside the chroot). */
const FSDEV = ['-fsdev', 'local,id=fs0,path=/tmp/virtio-9p-export,security_model=none'];
const nullDisk = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];
/**
 * vhost-user-blk's backend: the qemu-storage-daemon of the same QEMU (scripts/lib/vhost-user-blk.mjs)
 * exports a null disk per device on sockets in the QEMU's /tmp. Guest RAM must be shared with it:
 * it is (memfd, share=on).
 */
const vubSocket = (i) => `/tmp/virtio-fixtures-vub${i}.sock`;
const vhostUserBlk = (i, type) => ['-chardev', `socket,id=vub${i},path=${vubSocket(i)}`, '-device', `${type},chardev=vub${i}${type.endsWith('-pci') ? ',romfile=' : ''}`];
/** vhost-user-fs's backend: the virtiofsd of the same Debian release (scripts/lib/virtiofsd.mjs). */
const vufsSocket = (i) => `/tmp/virtio-fixtures-vufs${i}.sock`;
const vhostUserFs = (i, type) => ['-chardev', `socket,id=vufs${i},path=${vufsSocket(i)}`, '-device', `${type},chardev=vufs${i},tag=share${i}${type.endsWith('-pci') ? ',romfile=' : ''}`];
const PSERIES_RAM = '/tmp/virtio-fixtures-pseries.ram';
const since = (v, min, args) => (Number(v) >= min ? args : []);

/**
 * Per machine the devices, as a function of the QEMU version (virtio-multitouch appeared in 8.0,
 * virtio-rtc in 11.0; virtio-mem on s390x in 10.0). Non-default counts where a device has them:
 * virtio-gpu max_outputs (its scanout array), virtio-scsi/-blk queues.
 */
const VIRTIO_MACHINES = [
  { label: 'q35', binary: 'qemu-system-x86_64', args: (v) => ['-M', 'q35,memory-backend=ram0', ...ram('64M'), '-smp', '1', ...VMEM, ...FSDEV,
    '-object', 'memory-backend-memfd,id=pmem0,size=2M,share=on',
    '-device', 'virtio-gpu-pci,max_outputs=2,romfile=', '-device', 'virtio-vga,romfile=', '-device', 'virtio-9p-pci,fsdev=fs0,mount_tag=share,romfile=',
    '-device', 'virtio-iommu-pci', '-device', 'virtio-mem-pci,memdev=vmem0,romfile=', '-device', 'virtio-pmem-pci,memdev=pmem0,romfile=',
    '-device', 'virtio-scsi-pci,num_queues=3,romfile=', ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk,num-queues=3,romfile=',
    ...since(v, 8, ['-device', 'virtio-multitouch-pci,romfile=']), ...since(v, 11, ['-device', 'virtio-rtc-pci,romfile=']),
    ...vhostUserBlk(0, 'vhost-user-blk-pci')], vhostUserBlk: 1 },
  { label: 'virt', binary: 'qemu-system-aarch64', args: (v) => ['-M', 'virt,gic-version=3,memory-backend=ram0', '-cpu', 'cortex-a57', ...ram('64M'), '-smp', '1', '-seed', '1', ...VMEM, ...FSDEV,
    '-device', 'virtio-gpu-device,max_outputs=3', '-device', 'virtio-9p-device,fsdev=fs0,mount_tag=share', '-device', 'virtio-gpu-pci,romfile=',
    '-device', 'virtio-iommu-pci', '-device', 'virtio-mem-pci,memdev=vmem0,romfile=',
    ...since(v, 11, ['-device', 'virtio-rtc-device']),
    // Last, so the devices above keep their PCI slots and virtio-mmio transports: one on each.
    ...vhostUserBlk(0, 'vhost-user-blk'), ...vhostUserBlk(1, 'vhost-user-blk-pci')], vhostUserBlk: 2 },
  // pseries: vhost-user-blk alone (the other devices' pseries layouts are checked on the held-out files).
  // Its RAM is a shared file, not a memfd: QEMU 10.0 and 11.1 skip (x-ignore-shared) only named files,
  // and SLOF, copied into guest RAM at reset, would make the streams 0.5 MB each.
  { label: 'pseries', binary: 'qemu-system-ppc64', args: () => ['-M', 'pseries,memory-backend=ram0', '-m', '256M',
    '-object', `memory-backend-file,id=ram0,size=256M,share=on,mem-path=${PSERIES_RAM}`, '-smp', '1',
    ...vhostUserBlk(0, 'vhost-user-blk-pci')], vhostUserBlk: 1, ramFile: PSERIES_RAM },
  // vhost-user-fs alone, from QEMU 10.0 (QEMU 9.0 made it migratable; 7.2 blocks its migration and
  // crashes on its xen-save-devices-state: docs/virtio-devices.md). virtiofsd serves one VM and exits.
  { label: 'vufs-q35', since: 10, binary: 'qemu-system-x86_64', args: () => ['-M', 'q35,memory-backend=ram0', ...ram('64M'), '-smp', '1',
    ...vhostUserFs(0, 'vhost-user-fs-pci')], vhostUserFs: 1 },
  { label: 'vufs-virt', since: 10, binary: 'qemu-system-aarch64', args: () => ['-M', 'virt,gic-version=3,memory-backend=ram0', '-cpu', 'cortex-a57', ...ram('64M'), '-smp', '1', '-seed', '1',
    ...vhostUserFs(0, 'vhost-user-fs-device'), ...vhostUserFs(1, 'vhost-user-fs-pci')], vhostUserFs: 2 },
  { label: 's390-ccw-virtio', binary: 'qemu-system-s390x', args: (v) => ['-M', 's390-ccw-virtio,memory-backend=ram0', ...ram('128M'), '-smp', '1', ...FSDEV,
    '-device', 'virtio-gpu-ccw,max_outputs=2', '-device', 'virtio-9p-ccw,fsdev=fs0,mount_tag=share',
    ...since(v, 10, [...VMEM, '-device', 'virtio-mem-ccw,memdev=vmem0'])] },
];
const MACHINES = ({ hostdev: HOSTDEV_MACHINES, values: VALUE_MACHINES }[SET] ?? VIRTIO_MACHINES).filter((m) => !opt('--machines') || opt('--machines').split(',').includes(m.label));



async function make(q, m, work) {
  const inside = (p) => (q.chroot ? p.slice(q.chroot.length) : p);
  // hostdev machines: the machine arguments apart, and what the devices need to know of the machine.
  const ctx = m.machine ? { i8042: await i8042Path(m, q.version, q.chroot) } : {};
  const args = [...(m.machine ?? []), ...m.args(q.version, ctx), ...COMMON];
  const out = {};
  const server = m.vhostUserBlk ? await startVhostUserBlkServer(Array.from({ length: m.vhostUserBlk }, (_, i) => vubSocket(i)), { chroot: q.chroot }) : null;
  // virtiofsd serves one QEMU and exits when it leaves: one per VM.
  const sockets = Array.from({ length: m.vhostUserFs ?? 0 }, (_, i) => vufsSocket(i));
  const serve = m.vhostUserFs ? () => startVirtiofsd(sockets, { chroot: q.chroot }) : m.perVm ? () => m.perVm(q.chroot) : async () => ({ stop: async () => {} });
  try {
    await saveAll(q, m, work, args, inside, out, serve);
  } finally {
    server?.stop();
    for (const f of [m.ramFile ?? []].flat()) rmSync(join(q.chroot ?? '', f), { force: true });
  }
  return { args, files: out };
}

async function saveAll(q, m, work, args, inside, out, serve) {
  let backend = await serve();
  const stopOnFailure = async (e) => { await backend.stop(); throw e; };
  const vm = await startQemu(m.binary, args, { chroot: q.chroot ?? undefined }).catch(stopOnFailure);
  try {
    Object.assign(out, await saveDevstateAndStream(vm, join(work, `${m.label}-devstate.bin`), join(work, `${m.label}-migration.bin`), inside));
  } finally {
    await vm.close();
    await backend.stop();
  }
  backend = await serve();
  const xen = await startQemu(m.binary, [...args, ...XEN_GLOBALS], { chroot: q.chroot ?? undefined }).catch(stopOnFailure);
  try {
    out['nofooter-devstate'] = await saveNoFooter(xen, join(work, `${m.label}-nofooter-devstate.bin`), inside);
  } finally {
    await xen.close();
    await backend.stop();
  }
}

/** QEMU's refusal to migrate a VM of REFUSAL (scripts/lib/hostdev-machines.mjs), its message. */
async function refusal(q, r) {
  const backend = r.perVm ? await r.perVm(q.chroot) : null;
  try {
    const vm = await startQemu(r.binary, [...r.args, ...COMMON], { chroot: q.chroot ?? undefined });
    try {
      await vm.qmp.execute('migrate', { uri: 'exec:cat > /dev/null' });
      const st = await waitForMigration(vm.qmp);
      return `migration ${st.status}`;
    } catch (e) {
      return e.message;
    } finally {
      await vm.close();
    }
  } finally {
    await backend?.stop();
  }
}

for (const q of QEMUS) {
  const outRel = `public/fixtures/${SET}/qemu-${q.version}`;
  const outDir = resolve(REPO_ROOT, outRel);
  mkdirSync(outDir, { recursive: true });
  const work = join(q.chroot ?? '', `/tmp/virtio-fixtures-${process.pid}`);
  mkdirSync(work, { recursive: true });
  mkdirSync(join(q.chroot ?? '', '/tmp/virtio-9p-export'), { recursive: true });
  if (SET === 'hostdev') prepareHostdev(q.chroot);
  const qemu = qemuVersionText(q.chroot);
  const qsd = execFileSync(q.chroot ? 'chroot' : 'qemu-storage-daemon', [...(q.chroot ? [q.chroot, 'qemu-storage-daemon'] : []), '--version'], { encoding: 'utf8' }).split('\n')[0];
  const fixtures = [];
  const [vfsBin, vfsArgs] = virtiofsdCommand(q.chroot);
  const virtiofsd = () => execFileSync(vfsBin, vfsArgs, { encoding: 'utf8' }).split('\n')[0];
  for (const m of MACHINES) {
    if (m.since && Number(q.version) < m.since) continue;
    try {
      const r = await make(q, m, work);
      fixtures.push(...writeTwinFiles(outDir, outRel, m, r.args, r.files,
        { ...(m.vhostUserBlk ? { vhostUserBlkServer: qsd } : {}), ...(m.vhostUserFs ? { virtiofsd: virtiofsd() } : {}), ...(m.backends ? { backends: m.backends } : {}) }));
    } catch (e) {
      console.error(`QEMU ${q.version} ${m.label}: ${e.message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
  rmSync(work, { recursive: true, force: true });
  // --machines remakes some machines: the other machines' entries stay.
  const refusals = [];
  for (const r of SET === 'hostdev' ? HOSTDEV_REFUSALS : []) refusals.push({ name: r.name, binary: r.binary, args: r.args, message: await refusal(q, r) });
  const what = { hostdev: 'the devices of scripts/lib/hostdev-machines.mjs (host backends, machine links)', values: 'the devices of scripts/lib/value-machines.mjs (values QEMU asks for: a second PHB, a bridge, DIMM and NVDIMM)' }[SET]
    ?? 'the virtio devices whose own state the decoder knows since issue 12';
  writeManifest(outDir, fixtures, {
    made: opt('--machines') ? new Set(MACHINES.map((m) => m.label)) : null,
    description: `scripts/make-virtio-fixtures.mjs${SET !== 'virtio' ? ` --set ${SET}` : ''}: per machine one stopped VM with ${what}; a device-state file with and one without footers (a second VM of the same arguments with Xen's framing), and the migration stream of the first VM (the truth, with its JSON description; guest RAM shared and not sent).`,
    qemu, extra: refusals.length ? { refusals } : {} });
}
