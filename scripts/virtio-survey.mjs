#!/usr/bin/env node
// Which virtio devices each QEMU (7.2 host, 10.0 /var/tmp/trixie, 11.1 /var/tmp/forky) offers on
// x86_64 q35, aarch64 virt (virtio-mmio and PCI), ppc64 pseries and s390x, and which of them
// migrate: every virtio/vhost type of `-device help`, reduced to one name per device and bus
// (…-pci, …-device on virtio-mmio, …-ccw; the (non-)transitional PCI variants are the same device),
// started alone on a stopped VM (-S) with the backend it needs where this host can give one, then
// migrated to /dev/null. Prints a markdown table (docs/virtio-devices.md holds the last run).
//
// vhost-user-blk gets a real backend, its QEMU's qemu-storage-daemon (scripts/lib/vhost-user-blk.mjs);
// vhost-user-fs gets virtiofsd of the same Debian release (scripts/lib/virtiofsd.mjs); vhost-user-gpu
// and -vga qemu-system-gui's vhost-user-gpu, vhost-user-vsock forky's vhost-device-vsock
// (scripts/lib/vhost-user-daemons.mjs), and an x86 one that "requires kvm" (7.2's vhost-user-gpu) is
// tried again under KVM where /dev/kvm exists.
//
// Usage (as root: chroot(2)): node scripts/virtio-survey.mjs [--only 10.0] [--devices vhost-user-blk,…] > /tmp/survey.md
// (--devices: only these devices, by name without bus suffix, for remaking some rows of the table)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chosenQemus, startQemu } from './lib/qemu.mjs';
import { waitForMigration } from './lib/qmp.mjs';
import { startVhostUserBlkServer } from './lib/vhost-user-blk.mjs';
import { hasVhostUserDaemon, startVhostUserDaemon } from './lib/vhost-user-daemons.mjs';
import { startVirtiofsd } from './lib/virtiofsd.mjs';

const argv = process.argv.slice(2);
const QEMUS = chosenQemus(argv);
const DEVICES = argv.includes('--devices') ? argv[argv.indexOf('--devices') + 1].split(',') : null;
const ARCHES = [
  { arch: 'x86_64', machine: 'q35', buses: ['pci'] },
  { arch: 'aarch64', machine: 'virt', buses: ['device', 'pci'] },
  { arch: 'ppc64', machine: 'pseries', buses: ['pci'] },
  { arch: 's390x', machine: 's390-ccw-virtio', buses: ['ccw'] },
];
/** Backends a device needs, all local (no host device, no other process). */
const BACKENDS = ['-object', 'memory-backend-ram,id=vmem,size=128M', '-object', 'memory-backend-file,id=pm,size=4M,mem-path=/tmp/virtio-survey-pmem',
  '-object', 'cryptodev-backend-builtin,id=cr', '-fsdev', 'local,id=fs,path=/tmp,security_model=none', '-audiodev', 'none,id=snd',
  '-blockdev', 'null-co,node-name=d0'];
/** vhost-user devices: a socket with no backend behind it where this host has none (all but -blk, -fs, -gpu and forky's -vsock). */
const NO_BACKEND = '/tmp/virtio-survey-no-backend.sock';
const VUB_SOCKET = '/tmp/virtio-survey-vub.sock';
const PROPS = {
  'virtio-9p': 'fsdev=fs,mount_tag=t', 'virtio-blk': 'drive=d0', 'virtio-crypto': 'cryptodev=cr', 'virtio-mem': 'memdev=vmem',
  'virtio-pmem': 'memdev=pm', 'virtio-sound': 'audiodev=snd', 'virtio-input-host': 'evdev=/dev/input/event0', 'vhost-vsock': 'guest-cid=3',
  'vhost-scsi': 'wwpn=naa.5001405000000001', 'vhost-vdpa-device': 'vhostdev=/dev/vhost-vdpa-0', 'vhost-user-fs': 'chardev=vu,tag=t',
};
const baseOf = (name) => name.replace(/-(non-)?transitional$/, '').replace(/-(pci|device|ccw)$/, '');
/** These bare types are their own virtio-mmio devices (there is no …-device twin). */
const MMIO_BARE = ['vhost-user-blk', 'vhost-user-scsi', 'vhost-scsi'];
const busOf = (name) => (MMIO_BARE.includes(name) ? 'device' : name.replace(/-(non-)?transitional$/, '').match(/-(pci|device|ccw)$/)?.[1] ?? '');

async function tryDevice(q, a, name, accel = null) {
  const base = baseOf(name);
  const props = PROPS[base] ?? (base.startsWith('vhost-user') ? 'chardev=vu' : '');
  const dev = props ? `${name},${props}` : name;
  const daemon = hasVhostUserDaemon(name, q.chroot) ? (socket, o) => startVhostUserDaemon(name, socket, o) : null;
  const start = { 'vhost-user-blk': startVhostUserBlkServer, 'vhost-user-fs': startVirtiofsd }[base] ?? daemon;
  const args = ['-M', a.machine, ...(accel ? ['-accel', accel] : []), '-m', '256M,maxmem=1G', '-nodefaults', '-display', 'none', '-S', ...BACKENDS,
    ...(props.includes('chardev=vu') ? ['-chardev', `socket,id=vu,path=${start ? VUB_SOCKET : NO_BACKEND}`] : []), '-device', dev];
  let vm;
  let server;
  try {
    if (start) server = await start(VUB_SOCKET, { chroot: q.chroot });
    vm = await startQemu(`qemu-system-${a.arch}`, args, { chroot: q.chroot ?? undefined, timeoutMs: 15_000 });
  } catch (e) {
    await server?.stop();
    const why = e.message.split('\n')[0].replace(/^qemu-system-\w+: (-device [^:]+: )?/, '');
    // A vhost device's memory listener needs ioeventfds, which only KVM gives (7.2 hw/virtio/vhost.c).
    if (!accel && /requires kvm/.test(why) && a.arch === 'x86_64' && process.arch === 'x64' && existsSync(join(q.chroot ?? '/', 'dev/kvm'))) {
      const r = await tryDevice(q, a, name, 'kvm');
      return r === 'migrates' ? 'migrates (under KVM)' : r;
    }
    return `cannot start: ${why}`;
  }
  try {
    await vm.qmp.execute('migrate', { uri: 'exec:cat > /dev/null' });
    const st = await waitForMigration(vm.qmp, { timeoutMs: 60_000 });
    return st.status === 'completed' ? 'migrates' : `fails: ${st['error-desc'] ?? st.status}`;
  } catch (e) {
    return `blocked: ${e.message.split('\n')[0].replace(/^migrate: /, '')}`;
  } finally {
    await vm.close();
    await server?.stop();
  }
}

const rows = new Map(); // "base bus" -> { arch/version -> result }
const missing = new Map();
for (const q of QEMUS) {
  const root = q.chroot ?? '';
  mkdirSync(join(root, '/tmp'), { recursive: true });
  writeFileSync(join(root, '/tmp/virtio-survey-pmem'), '');
  truncateSync(join(root, '/tmp/virtio-survey-pmem'), 4 << 20);
  for (const a of ARCHES) {
    const help = execFileSync(q.chroot ? 'chroot' : `qemu-system-${a.arch}`, [...(q.chroot ? [q.chroot, `qemu-system-${a.arch}`] : []), '-M', 'none', '-device', 'help'], { encoding: 'utf8' });
    const names = [...help.matchAll(/^name "((?:virtio|vhost)[^"]*)"/gm)].map((m) => m[1]).filter((n) => !/-(non-)?transitional$/.test(n));
    for (const name of names) {
      if (DEVICES && !DEVICES.includes(baseOf(name))) continue;
      const bus = busOf(name);
      // A bare name is the device core that a bus proxy creates (no bus of its own), except the VGA variants.
      if (bus === '' ? !name.endsWith('-vga') : !a.buses.includes(bus)) continue;
      const key = `${baseOf(name)}${bus ? ` (${bus === 'device' ? 'mmio' : bus})` : ''}`;
      // A missing host device or backend process is the same on every bus and machine: tried once per QEMU.
      const hostless = missing.get(`${q.version} ${baseOf(name)}`);
      const result = hostless ?? (await tryDevice(q, a, name));
      if (!hostless && /No such file or directory|Failed to connect/.test(result)) missing.set(`${q.version} ${baseOf(name)}`, result);
      if (!rows.has(key)) rows.set(key, {});
      rows.get(key)[`${a.arch} ${q.version}`] = result;
      console.error(`${q.version} ${a.arch} ${name}: ${result}`);
    }
  }
}

const cols = QEMUS.flatMap((q) => ARCHES.map((a) => `${a.arch} ${q.version}`));
const short = (r) => (r === undefined ? '' : r.startsWith('migrates') ? 'yes' : r.startsWith('blocked') ? 'blocked' : r.startsWith('cannot start') ? 'no start' : 'fails');
console.log(`| device (bus) | ${cols.join(' | ')} |`);
console.log(`|---|${cols.map(() => '---').join('|')}|`);
for (const [key, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) console.log(`| ${key} | ${cols.map((c) => short(r[c])).join(' | ')} |`);
console.log('\nReasons (first seen per device):\n');
for (const [key, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  const why = [...new Set(Object.values(r).filter((x) => x !== 'migrates'))];
  if (why.length) console.log(`- ${key}: ${why.join('; ')}`);
}
