#!/usr/bin/env node
// Facts about QEMU 7.2, 10.0 and 11.1 for the compatibility check (issue #12), gathered from the
// real programs, and the verdicts of real cross-version loads that the check is tested against.
//
//   node scripts/make-compat-fixtures.mjs [--trixie /var/tmp/trixie] [--forky /var/tmp/forky]
//
// QEMU 7.2 runs on the host, 10.0 and 11.1 from Debian trixie / forky debootstrap chroots (see
// scripts/make-fixtures-qemu10.mjs for making them). For each version it records, into
// public/compat/qemu-VERSION-x86_64.json.gz:
// - `-machine help`: the machine types it offers (an older QEMU lacks the newer ones);
// - `-dump-vmstate`: every device vmsd with version_id, minimum_version_id and subsections (the
//   migration JSON has no minimum versions and lists only the subsections that were sent);
// - the JSON description of a migration of the reference VMs below: the idstr, vmsd name and
//   version of every section, including those -dump-vmstate omits (cpu, timer, ...).
// Then it saves each reference VM with each version (device-state file and migration stream) and
// loads every file into every other version (docs/format.md §9 recipe: -incoming, the writer's
// machine type where the target has it, send-configuration=off for device-state files), and writes
// QEMU's verdict and messages to public/compat/loads.json. The files themselves are not kept.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Qmp, waitForMigration } from './lib/qmp.mjs';
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
const OUT = resolve(REPO_ROOT, 'public/compat');
const WORK = '/tmp/vmstate-compat'; // the same path on the host and inside each chroot
const log = (...a) => console.log('[compat]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Reference VMs: the machine's own devices plus a PCIe NIC whose config space differs between
// machine-type versions, and a virtio device.
const VMS = {
  pc: ['-M', 'pc', '-device', 'e1000e,romfile=,mac=52:54:00:12:34:70', '-device', 'virtio-rng-pci'],
  q35: ['-M', 'q35', '-device', 'e1000e,romfile=,mac=52:54:00:12:34:71', '-device', 'virtio-rng-pci'],
};
const COMMON = ['-nodefaults', '-display', 'none', '-S', '-m', '32', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];

const hostPath = (v, p) => (v.root === '/' ? p : join(v.root, p));

function run(v, args) {
  return v.root === '/' ? execFileSync('qemu-system-x86_64', args, { encoding: 'utf8' }) : execFileSync('chroot', [v.root, 'qemu-system-x86_64', ...args], { encoding: 'utf8' });
}

/** Starts QEMU of version v with a QMP socket; resolves { qmp, exited, stderr(), kill() }. */
async function start(v, args) {
  const sock = `${WORK}/qmp-${Date.now()}-${Math.random().toString(36).slice(2)}.sock`;
  const full = [...args, '-qmp', `unix:${sock},server=on,wait=off`];
  const proc = v.root === '/' ? spawn('qemu-system-x86_64', full) : spawn('chroot', [v.root, 'qemu-system-x86_64', ...full]);
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

async function quit(q) {
  await q.qmp?.execute('quit').catch(() => {});
  const t = setTimeout(() => q.proc?.kill('SIGKILL'), 5000);
  await q.exited;
  clearTimeout(t);
  q.qmp?.close();
}

function machineTypes(v) {
  const out = run(v, ['-machine', 'help']);
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

/** -dump-vmstate reduced to what the check needs: per vmsd name, versions and subsections (recursively). */
function dumpVmstate(v) {
  mkdirSync(hostPath(v, WORK), { recursive: true });
  run(v, ['-M', 'pc', ...COMMON, '-dump-vmstate', `${WORK}/dump.json`]);
  const dump = JSON.parse(readFileSync(hostPath(v, `${WORK}/dump.json`), 'utf8'));
  const vmsds = {};
  const visit = (d) => {
    if (!d?.name) return;
    const known = vmsds[d.name];
    const entry = { version: d.version_id, minVersion: d.minimum_version_id, subsections: (d.Subsections ?? []).map((s) => s.name) };
    if (!known) vmsds[d.name] = entry;
    for (const f of d.Fields ?? []) visit(f.Description);
    for (const s of d.Subsections ?? []) visit(s);
  };
  for (const [type, e] of Object.entries(dump)) if (type !== 'vmschkmachine') visit(e.Description);
  return vmsds;
}

/** Saves VM `vm` with version v: a device-state file and a migration stream (paths inside WORK). */
async function save(v, vm) {
  const dev = `${WORK}/${vm}-${v.version}-devstate.bin`;
  const mig = `${WORK}/${vm}-${v.version}-migration.bin`;
  const q = await start(v, [...COMMON, ...VMS[vm]]);
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

/** Loads `file` (a path inside WORK of version `from`) into version `to`; QEMU's verdict. */
async function load(from, to, file, kind, machine) {
  mkdirSync(hostPath(to, WORK), { recursive: true });
  if (from !== to) copyFileSync(hostPath(from, file), hostPath(to, file));
  const args = [...COMMON, ...VMS[machine.vm]];
  args[args.indexOf(machine.vm === 'pc' ? 'pc' : 'q35')] = machine.type;
  if (kind === 'devstate') args.push('-global', 'migration.send-configuration=off');
  args.push('-incoming', `exec:cat ${file}`);
  const q = await start(to, args);
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
  const messages = q.stderr().split('\n').map((l) => l.replace(/^qemu-system-x86_64: /, '').trim()).filter(Boolean);
  return { ok: status === 'completed', status, messages, args: recorded };
}

/** The JSON description after EOF: `06`, be32 length, the JSON up to the end (docs/format.md §4). */
function vmdescText(bytes) {
  for (let i = bytes.length - 1; i >= 5; i--) {
    if (bytes[i] === 0x7b && bytes[i - 5] === 0x06 && bytes.readUInt32BE(i - 4) === bytes.length - i) return bytes.subarray(i).toString('utf8');
  }
  throw new Error('no JSON description at the end of the stream');
}

async function main() {
  for (const v of VERSIONS) if (v.root !== '/' && !existsSync(join(v.root, 'usr/bin/qemu-system-x86_64'))) throw new Error(`no QEMU ${v.version} in ${v.root}`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const saved = {};
  for (const v of VERSIONS) {
    mkdirSync(hostPath(v, WORK), { recursive: true });
    const qemu = run(v, ['--version']).split('\n')[0];
    const machines = machineTypes(v);
    const vmsds = dumpVmstate(v);
    const reference = {};
    for (const vm of Object.keys(VMS)) {
      const s = await save(v, vm);
      saved[`${vm}@${v.version}`] = s;
      // The JSON description at the end of the migration stream (docs/format.md §4).
      const bytes = readFileSync(hostPath(v, s.mig));
      const desc = JSON.parse(vmdescText(bytes));
      const configuration = bytes.subarray(13, 13 + bytes.readUInt32BE(9)).toString('latin1'); // 07, be32 length, name
      reference[vm] = { machineType: configuration, sections: desc.devices.map((d) => ({ idstr: d.name, instanceId: d.instance_id, vmsd: d.vmsd_name ?? null, version: d.version ?? null })) };
      log(qemu, vm, configuration, desc.devices.length, 'sections');
    }
    const data = { qemu, version: v.version, arch: 'x86_64', generatedBy: 'scripts/make-compat-fixtures.mjs', ...machines, reference, vmsds };
    writeFileSync(join(OUT, `qemu-${v.version}-x86_64.json.gz`), gzipSync(JSON.stringify(data), { level: 9 }));
  }
  const loads = [];
  for (const from of VERSIONS) {
    for (const to of VERSIONS) {
      if (from === to) continue;
      for (const vm of Object.keys(VMS)) {
        const s = saved[`${vm}@${from.version}`];
        const toMachines = machineTypes(to);
        const mig = readFileSync(hostPath(from, s.mig));
        const writerType = mig.subarray(13, 13 + mig.readUInt32BE(9)).toString('latin1');
        // A stream loads into the writer's machine type where the target still has it; otherwise
        // into the target's own type of that family, which QEMU then refuses by name (§5.1).
        const streamType = toMachines.machines.includes(writerType) ? writerType : vm;
        for (const [kind, file, type] of [['devstate', s.dev, vm], ['migration', s.mig, streamType]]) {
          const r = await load(from, to, file, kind, { vm, type });
          loads.push({ from: from.version, to: to.version, vm, kind, file: file.split('/').pop(), machineType: type, ...r });
          log(`${from.version} -> ${to.version} ${vm} ${kind} (${type}): ${r.ok ? 'loads' : `fails: ${r.messages.join(' | ')}`}`);
        }
      }
    }
  }
  writeFileSync(join(OUT, 'loads.json'), JSON.stringify({ generatedBy: 'scripts/make-compat-fixtures.mjs', loads }, null, 1) + '\n');
  // Keep the saved files the loads used, gzipped: the tests run the check on exactly these bytes.
  for (const [key, s] of Object.entries(saved)) {
    const v = VERSIONS.find((x) => x.version === key.split('@')[1]);
    for (const f of [s.dev, s.mig]) writeFileSync(join(OUT, `${f.split('/').pop()}.gz`), gzipSync(readFileSync(hostPath(v, f)), { level: 9 }));
  }
}

await main();
