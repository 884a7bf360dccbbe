// The machines of scripts/make-virtio-fixtures.mjs --set hostdev: pc, q35, aarch64 virt and pseries
// VMs with the devices the library probes could not start before session 8 because each needs
// something from the host or the machine (scripts/library/targets.mjs retry rules, issue 12):
// ivshmem-plain and ivshmem-doorbell (master=on: QEMU blocks a peer's migration; the doorbell served
// by scripts/lib/ivshmem-server.py),
// vmmouse (linked to the machine's i8042), ccid-card-emulated (a card from an NSS database:
// scripts/lib/nss-db.mjs) and, on q35, cxl-type3 behind pxb-cxl and a CXL root port (cxl=on and a
// fixed memory window). Guest RAM is a shared file and the devices' memory shared, so x-ignore-shared
// leaves them out of the migration streams (small fixtures).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIvshmemServer } from './ivshmem-server.mjs';
import { ccidCardOpts, makeNssDb } from './nss-db.mjs';
import { startQemu } from './qemu.mjs';

/** The NSS database made for ccid-card-emulated, as QEMU sees it (inside the chroot). */
export const NSS_DB = '/tmp/hostdev-fixtures-nss';
const IVSHMEM_SOCKET = '/tmp/hostdev-fixtures-ivshmem.sock';
/**
 * An all-zero 64 KiB firmware: the guest never runs (-S), and SeaBIOS's 256 KiB (pc.bios, copied into
 * the isa-bios and pc.rom blocks) would be most of each migration stream; zero pages take a few bytes.
 */
const BIOS = '/tmp/hostdev-fixtures-bios.bin';

/** What the machines need inside CHROOT (or on the host): the NSS database and the firmware file. */
export function prepareHostdev(chroot) {
  makeNssDb(join(chroot ?? '', NSS_DB));
  writeFileSync(join(chroot ?? '', BIOS), Buffer.alloc(65536));
}
/**
 * Guest RAM in a shared file: QEMU 10.0 and 11.1 leave only named files out of the stream with
 * x-ignore-shared (a memfd's pages are sent), so a file keeps the twin streams small.
 */
const ramFile = (label) => `/tmp/hostdev-fixtures-${label}.ram`;
const guestRam = (label, size) => ['-object', `memory-backend-file,id=ram0,size=${size},share=on,mem-path=${ramFile(label)}`, '-m', size];
const ram = (label, size) => [...guestRam(label, size), '-bios', BIOS];
const memfd = (id, size) => ['-object', `memory-backend-memfd,id=${id},size=${size},share=on`];
const IVSHMEM = [...memfd('ivmem0', '1M'), '-device', 'ivshmem-plain,memdev=ivmem0,master=on,romfile=',
  '-chardev', `socket,id=ivsh0,path=${IVSHMEM_SOCKET}`, '-device', 'ivshmem-doorbell,chardev=ivsh0,master=on,romfile='];
const CCID = ['-device', 'qemu-xhci,id=xhci0', '-device', 'usb-ccid,id=ccid0,bus=xhci0.0', '-device', ['ccid-card-emulated', ...ccidCardOpts(NSS_DB)].join(',')];
const CXL = [...memfd('cxlmem0', '256M'), ...memfd('cxllsa0', '1M'),
  '-device', 'pxb-cxl,id=cxl0,bus_nr=12,bus=pcie.0', '-device', 'cxl-rp,id=cxlrp0,bus=cxl0,port=0,chassis=1,slot=1',
  '-device', 'cxl-type3,bus=cxlrp0,memdev=cxlmem0,lsa=cxllsa0,id=cxlpmem0'];

const nullDrive = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];
const NVME = [...nullDrive('nvd0'), ...nullDrive('nvd1'), '-device', 'nvme,id=nvme0,serial=fixture0,drive=nvd0',
  '-device', 'nvme-ns,bus=nvme0,drive=nvd1'];

/**
 * The QOM path of the machine's i8042 (made without an id, under /machine/unattached at an index
 * that differs between machines and QEMU versions): a first QEMU of machine M, with its devices
 * but vmmouse (and their backends), is asked.
 */
export async function i8042Path(m, version, chroot) {
  const backend = m.perVm ? await m.perVm(chroot) : null;
  const q = await startQemu(m.binary, ['-S', '-display', 'none', '-nodefaults', ...m.machine, ...m.args(version, {})], { chroot: chroot ?? undefined })
    .catch(async (e) => { await backend?.stop(); throw e; });
  try {
    const kids = await q.qmp.execute('qom-list', { path: '/machine/unattached' });
    const k = kids.find((c) => c.type === 'child<i8042>');
    if (!k) throw new Error(`no i8042 under /machine/unattached (${m.machine.join(' ')})`);
    return `/machine/unattached/${k.name}`;
  } finally {
    await q.close();
    await backend?.stop();
  }
}

/** A second vmmouse (the machine makes one with its vmport), once the i8042's path is known. */
const vmmouse = (i8042) => (i8042 ? ['-device', `vmmouse,i8042=${i8042}`] : []);

/** An ivshmem server per VM: a doorbell with master=on must be its server's first client. */
const serveIvshmem = (chroot) => startIvshmemServer(IVSHMEM_SOCKET, { chroot });

/** The back-ends of the hostdev VMs, for the manifests. */
const BACKENDS = 'ivshmem-doorbell: scripts/lib/ivshmem-server.py (python3 on the host); ccid-card-emulated: NSS database by scripts/lib/nss-db.mjs (certutil, libnss3-tools)';

export const HOSTDEV_MACHINES = [
  { label: 'hostdev-pc', binary: 'qemu-system-x86_64', backends: BACKENDS, machine: ['-M', 'pc,memory-backend=ram0', ...ram('hostdev-pc', '64M')], perVm: serveIvshmem, ramFile: ramFile('hostdev-pc'),
    args: (v, { i8042 }) => ['-smp', '1', ...IVSHMEM, ...vmmouse(i8042), ...CCID] },
  // CXL last: a device after pxb-cxl would go on its bus.
  { label: 'hostdev-q35', binary: 'qemu-system-x86_64', backends: BACKENDS, perVm: serveIvshmem, ramFile: ramFile('hostdev-q35'),
    machine: ['-M', 'q35,memory-backend=ram0,cxl=on,cxl-fmw.0.targets.0=cxl0,cxl-fmw.0.size=4G', ...ram('hostdev-q35', '64M')],
    args: (v, { i8042 }) => ['-smp', '1', ...IVSHMEM, ...vmmouse(i8042), ...CXL] },
  // aarch64 virt: the PCI and USB ones (no i8042; CXL only from 11.1, and cxl-type3 writes no section).
  { label: 'hostdev-virt', binary: 'qemu-system-aarch64', backends: BACKENDS, perVm: serveIvshmem, ramFile: ramFile('hostdev-virt'),
    args: () => ['-M', 'virt,gic-version=3,memory-backend=ram0', '-cpu', 'cortex-a57', ...guestRam('hostdev-virt', '64M'), '-smp', '1', '-seed', '1', ...IVSHMEM, ...CCID] },
  // pseries: the PCI and USB ones (no i8042, no CXL; SLOF is copied into guest RAM, which the file keeps out).
  { label: 'hostdev-pseries', binary: 'qemu-system-ppc64', backends: BACKENDS, perVm: serveIvshmem, ramFile: ramFile('hostdev-pseries'),
    args: () => ['-M', 'pseries,memory-backend=ram0', ...guestRam('hostdev-pseries', '256M'), '-smp', '1', ...IVSHMEM, ...CCID] },
  // nvme-ns on QEMU 11.1 (its nvme migrates; 7.2 and 10.0 block it): the controller has a drive of its
  // own, as the probe's retry rule `nvme-ctrl-drive` gives it, because 11.1 crashes saving one without.
  { label: 'nvme-q35', since: 11, binary: 'qemu-system-x86_64', backends: 'null-co drives', ramFile: ramFile('nvme-q35'),
    args: () => ['-M', 'q35,memory-backend=ram0', ...ram('nvme-q35', '64M'), '-smp', '1', ...NVME] },
];

/**
 * Refusals recorded beside the fixtures (the test checks QEMU's words): an ivshmem-plain left a
 * peer (master=off, its default) blocks migration, and so does a doorbell that is not its
 * server's master.
 */
export const HOSTDEV_REFUSALS = [
  { name: 'ivshmem-plain-peer', binary: 'qemu-system-x86_64', args: ['-M', 'pc', '-m', '64M', ...memfd('ivmem0', '1M'), '-device', 'ivshmem-plain,memdev=ivmem0,romfile='] },
  { name: 'ivshmem-doorbell-peer', binary: 'qemu-system-x86_64', perVm: serveIvshmem,
    args: ['-M', 'pc', '-m', '64M', '-chardev', `socket,id=ivsh0,path=${IVSHMEM_SOCKET}`, '-device', 'ivshmem-doorbell,chardev=ivsh0,master=off,romfile='] },
];
