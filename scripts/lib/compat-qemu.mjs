// Running one QEMU version for scripts/make-compat-fixtures.mjs: on the host (7.2) or in a Debian
// debootstrap chroot (10.0, 11.1), for one architecture's binary. Saves a reference VM (device
// state file and migration stream), loads a file into another version and records QEMU's verdict
// and messages, and gathers the target facts the compatibility check needs (-machine help,
// -dump-vmstate).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qmp, waitForMigration } from './qmp.mjs';

export const WORK = '/tmp/vmstate-compat'; // the same path on the host and inside each chroot
export const COMMON = ['-nodefaults', '-display', 'none', '-S', '-m', '32', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** v: { version, root }; arch: { binary }. */
export const hostPath = (v, p) => (v.root === '/' ? p : join(v.root, p));

export function run(v, arch, args) {
  return v.root === '/' ? execFileSync(arch.binary, args, { encoding: 'utf8' }) : execFileSync('chroot', [v.root, arch.binary, ...args], { encoding: 'utf8' });
}

/** The command line of VM `vm` of `arch` with machine type `type` (the alias by default). */
export const vmArgs = (arch, vm, type) => [...COMMON, '-M', type ?? arch.vms[vm].machine, ...arch.vms[vm].args];

/** Starts QEMU of version v with a QMP socket; resolves { qmp, exited, stderr(), proc }. */
export async function start(v, arch, args) {
  const sock = `${WORK}/qmp-${Date.now()}-${Math.random().toString(36).slice(2)}.sock`;
  const full = [...args, '-qmp', `unix:${sock},server=on,wait=off`];
  const proc = v.root === '/' ? spawn(arch.binary, full) : spawn('chroot', [v.root, arch.binary, ...full]);
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdout.resume();
  let code = null;
  const exited = new Promise((r) => proc.on('exit', (c, s) => r((code = c ?? (s ? 128 : -1)))));
  const deadline = Date.now() + 20_000;
  while (!existsSync(hostPath(v, sock))) {
    if (code !== null) return { qmp: null, exited, stderr: () => stderr };
    if (Date.now() > deadline) throw new Error(`QEMU ${v.version} did not open QMP: ${stderr}`);
    await sleep(20);
  }
  const qmp = await Qmp.connect(hostPath(v, sock), 10_000, { abort: () => code !== null }).catch(() => null);
  return { qmp, exited, stderr: () => stderr, proc };
}

export async function quit(q) {
  await q.qmp?.execute('quit').catch(() => {});
  const t = setTimeout(() => q.proc?.kill('SIGKILL'), 5000);
  await q.exited;
  clearTimeout(t);
  q.qmp?.close();
}

export function machineTypes(v, arch) {
  const out = run(v, arch, ['-machine', 'help']);
  const machines = [];
  const aliases = {};
  for (const line of out.split('\n').slice(1)) {
    const m = /^(\S+)\s+.*?(?:\(alias of (\S+)\))?$/.exec(line.trim());
    if (!m) continue;
    machines.push(m[1]);
    if (m[2]) aliases[m[1]] = m[2];
  }
  return { machines, aliases };
}

/** Each machine type's default CPU type (QMP query-machines `default-cpu-type`): an older machine type may keep an older CPU. */
export async function defaultCpus(v, arch) {
  const q = await start(v, arch, ['-M', 'none', '-nodefaults', '-display', 'none', '-S']);
  try {
    const list = await q.qmp.execute('query-machines');
    return Object.fromEntries(list.filter((m) => m['default-cpu-type']).map((m) => [m.name, m['default-cpu-type']]).sort());
  } finally {
    await quit(q);
  }
}

/** The raw -dump-vmstate of the first reference VM's machine: QOM type -> { Description: vmsd }. */
function dumpJson(v, arch) {
  mkdirSync(hostPath(v, WORK), { recursive: true });
  run(v, arch, [...vmArgs(arch, Object.keys(arch.vms)[0]), '-dump-vmstate', `${WORK}/dump.json`]);
  return JSON.parse(readFileSync(hostPath(v, `${WORK}/dump.json`), 'utf8'));
}

/** -dump-vmstate reduced to what the check needs: per vmsd name, versions and subsections (recursively). */
export function dumpVmstate(v, arch) {
  const dump = dumpJson(v, arch);
  const vmsds = {};
  const visit = (d) => {
    if (!d?.name) return;
    const entry = { version: d.version_id, minVersion: d.minimum_version_id, subsections: (d.Subsections ?? []).map((s) => s.name) };
    if (!vmsds[d.name]) vmsds[d.name] = entry;
    for (const f of d.Fields ?? []) visit(f.Description);
    for (const s of d.Subsections ?? []) visit(s);
  };
  for (const [type, e] of Object.entries(dump)) if (type !== 'vmschkmachine') visit(e.Description);
  return vmsds;
}

/**
 * The vmsds QEMU marks unmigratable (`.unmigratable = 1`: nvme in 7.2 and 10.0, usb-net, vhost-user-*):
 * -dump-vmstate prints their Description without a Fields list, which every other vmsd has (an empty
 * one at least). Such a device blocks a load before anything is read (migration/savevm.c
 * qemu_loadvm_state -> qemu_savevm_state_blocked: "State blocked by non-migratable device 'IDSTR'").
 */
export function unmigratableVmsds(v, arch) {
  const dump = dumpJson(v, arch);
  return [...new Set(Object.entries(dump).filter(([type, e]) => type !== 'vmschkmachine' && e.Description?.name && !e.Description.Fields).map(([, e]) => e.Description.name))].sort();
}

/**
 * What this QEMU does with virtqueue sizes on load (hw/virtio/virtio.c virtio_load):
 * - queueSizes: per device vmsd name, the size each virtqueue is allocated with (vring.num_default,
 *   QMP x-query-virtio-queue-status `vring-num-default`) in a VM with arch.virtioProbe's devices,
 *   left as the device created them (-S, no guest). The QOM type of each device (qom-get `type`)
 *   names its vmsd in -dump-vmstate, which is what a section carries.
 * - pciConfig (PCI transports): each device's config space as this QEMU creates it (virtioPciConfigs);
 * - refusesLargerQueues: whether its loader refuses a saved vring.num above that allocation, i.e.
 *   whether the binary has the message it prints then (QEMU 11.1 does; 7.2 and 10.0 do not).
 * x-query-virtio-status would give the queue count but aborts in 11.1 (visit_start_struct
 * assertion), so queues are asked for one by one until QEMU answers "Invalid virtqueue number".
 */
export async function virtioFacts(v, arch) {
  const types = Object.fromEntries(Object.entries(dumpJson(v, arch)).map(([type, e]) => [type, e.Description?.name]));
  const probe = arch.virtioProbe;
  const q = await start(v, arch, [...COMMON, '-M', arch.vms[Object.keys(arch.vms)[0]].machine, ...probe.args, ...probe.devices.flatMap((d) => ['-device', d])]);
  if (!q.qmp) throw new Error(`QEMU ${v.version} did not start with ${probe.devices.join(' ')}: ${q.stderr()}`);
  const queueSizes = {};
  try {
    for (const dev of await q.qmp.execute('x-query-virtio')) {
      const type = await q.qmp.execute('qom-get', { path: dev.path, property: 'type' });
      const vmsd = types[type];
      if (!vmsd) throw new Error(`QEMU ${v.version}: no vmsd for ${type} in -dump-vmstate`);
      const sizes = [];
      for (let i = 0; i < 1024; i++) {
        const s = await q.qmp.execute('x-query-virtio-queue-status', { path: dev.path, queue: i }).catch((e) => {
          if (!/Invalid virtqueue number/.test(e.message)) throw e;
          return null;
        });
        if (!s) break;
        sizes.push(s['vring-num-default']);
      }
      queueSizes[vmsd] = sizes;
    }
    await q.qmp.execute('xen-save-devices-state', { filename: `${WORK}/virtio-probe.bin`, live: false });
  } finally {
    await quit(q);
  }
  const pciConfig = virtioPciConfigs(readFileSync(hostPath(v, `${WORK}/virtio-probe.bin`)), Object.keys(queueSizes));
  // The binary itself (Debian's qemu-system-* names are partly symlinks), resolved where it runs.
  const real = v.root === '/' ? execFileSync('sh', ['-c', `readlink -f "$(command -v ${arch.binary})"`], { encoding: 'utf8' }) : execFileSync('chroot', [v.root, 'readlink', '-f', `/usr/bin/${arch.binary}`], { encoding: 'utf8' });
  const bin = hostPath(v, real.trim());
  const refusesLargerQueues = readFileSync(bin).includes('exceeds allocated max');
  return { queueSizes: Object.fromEntries(Object.entries(queueSizes).sort()), refusesLargerQueues, ...(Object.keys(pciConfig).length ? { pciConfig } : {}) };
}

/**
 * The PCI config space (hex) of each virtio-pci device of a device-state file, by vmsd name: what
 * the target compares an incoming device's read-only config bytes with (hw/pci/pci.c
 * get_pci_config_device), also for a device its reference VMs lack. A full section is 04, be32
 * section id, idstr length and idstr ("0000:00:03.0/virtio-rng"), be32 instance and version; the
 * virtio field comes first, and it starts with the PCIDevice state (be32 version, 256 bytes).
 */
function virtioPciConfigs(bytes, vmsds) {
  const out = {};
  for (let i = 0; i + 6 < bytes.length; i++) {
    if (bytes[i] !== 0x04) continue;
    const idstr = bytes.subarray(i + 6, i + 6 + bytes[i + 5]).toString('latin1');
    const m = /^(?:[0-9a-f]{4}:[0-9a-f]{2}|pci@[0-9a-f]+)(?::[0-9a-f]{2}\.[0-7])+\/(.+)$/.exec(idstr);
    if (!m || !vmsds.includes(m[1]) || out[m[1]]) continue;
    const data = i + 6 + idstr.length + 8;
    out[m[1]] = bytes.subarray(data + 4, data + 260).toString('hex');
  }
  return Object.fromEntries(Object.entries(out).sort());
}

/** Saves VM `vm` with version v: a device-state file and a migration stream (paths inside WORK). */
export async function save(v, arch, vm) {
  const dev = `${WORK}/${vm}-${v.version}-devstate.bin`;
  const mig = `${WORK}/${vm}-${v.version}-migration.bin`;
  const q = await start(v, arch, vmArgs(arch, vm));
  try {
    await q.qmp.execute('xen-save-devices-state', { filename: dev, live: false });
    await q.qmp.execute('migrate', { uri: `exec:cat > ${mig}` });
    const info = await waitForMigration(q.qmp);
    if (info.status !== 'completed') throw new Error(`migrate ${vm} ${v.version}: ${info.status}`);
    return { dev, mig };
  } finally {
    await quit(q);
  }
}

/**
 * Loads `file` (a path inside WORK of version `from`) into version `to` as VM `vm` with machine
 * type `type` (docs/format.md §9: -incoming, send-configuration=off for device-state files); QEMU's
 * verdict, its messages and the command line (the file as FILE).
 */
export async function load(from, to, arch, file, kind, vm, type) {
  mkdirSync(hostPath(to, WORK), { recursive: true });
  if (from !== to) copyFileSync(hostPath(from, file), hostPath(to, file));
  const args = vmArgs(arch, vm, type);
  if (kind === 'devstate') args.push('-global', 'migration.send-configuration=off');
  args.push('-incoming', `exec:cat ${file}`);
  const q = await start(to, arch, args);
  const recorded = args.slice(0, -1).concat('exec:cat FILE');
  let status = 'exited';
  if (q.qmp) {
    try {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(20)) {
        const info = await q.qmp.execute('query-migrate');
        if (['completed', 'failed', 'cancelled'].includes(info.status)) {
          status = info.status;
          break;
        }
      }
    } catch {
      status = 'exited';
    }
  }
  if (status === 'completed') await quit(q);
  else {
    const t = setTimeout(() => q.proc?.kill('SIGKILL'), 10_000);
    await q.exited;
    clearTimeout(t);
  }
  const prefix = `${arch.binary}: `;
  const messages = q.stderr().split('\n').map((l) => (l.startsWith(prefix) ? l.slice(prefix.length) : l).trim()).filter(Boolean);
  return { ok: status === 'completed', status, messages, args: recorded };
}

/** The JSON description after EOF: `06`, be32 length, the JSON up to the end (docs/format.md §4). */
export function vmdescText(bytes) {
  for (let i = bytes.length - 1; i >= 5; i--) {
    if (bytes[i] === 0x7b && bytes[i - 5] === 0x06 && bytes.readUInt32BE(i - 4) === bytes.length - i) return bytes.subarray(i).toString('utf8');
  }
  throw new Error('no JSON description at the end of the stream');
}

/** The machine type in a migration stream's configuration section: 07, be32 length, name. */
export const configurationType = (mig) => mig.subarray(13, 13 + mig.readUInt32BE(9)).toString('latin1');
