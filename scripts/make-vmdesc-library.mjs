#!/usr/bin/env node
// Builds src/format/vmdesc-library/qemu-7.2.json: a library of vmdesc ("VMDESCRIPTION" JSON) device
// descriptions taken from real QEMU 7.2 migration streams, for decoding files that carry no JSON of
// their own (xen-save-devices-state, COLO, Xen device-model state; docs format.md §3.10).
//
// For every target machine it
//   1. lists the user-creatable device types (`-device help`) and their properties (QMP
//      device-list-properties),
//   2. starts QEMU once per device type (`-S -nodefaults -display none`) with the backends and parent
//      buses that device needs (chosen from the tables below, by property name / bus name, with a few
//      retry rules keyed on QEMU's error message), migrates it to a file (`exec:cat > FILE`) and pulls
//      the vmdesc JSON from the end of the stream (format.md §4),
//   3. does the same for the bare machine and a few option combinations (built-in devices), and for
//      every CPU model (`-cpu MODEL`; CPU device types are probed that way, not with -device),
// then merges every device description into one library keyed by vmsd_name.
//
// Usage: node scripts/make-vmdesc-library.mjs [--jobs N] [--only TARGET] [--limit N] [--out DIR]
//          [--qemu LABEL --root CHROOT] [--name FILE-STEM]
// --qemu 10.0 --root /var/tmp/trixie runs the QEMU of a debootstrap chroot (Debian trixie: 10.0, forky:
// 11.1; scripts/lib/qemu.mjs startQemu) and writes qemu-10.0.json (or --name STEM.json) and
// README-qemu-10.0.md; without --root the host's QEMU (Debian bookworm: 7.2) makes qemu-7.2.json/README.md.
// Only node built-ins and scripts/lib (qemu.mjs, qmp.mjs) are used.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForMigration } from './lib/qmp.mjs';
import { runningQemus as live, startQemu } from './lib/qemu.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------------------------------------
// Command line

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const JOBS = Number(opt('--jobs', 2));
const ONLY = opt('--only', null);
const LIMIT = Number(opt('--limit', Infinity)); // max device probes per target (for quick test runs)
const OUT_DIR = resolve(opt('--out', join(repoRoot, 'src/format/vmdesc-library')));
const PROBE_TIMEOUT_MS = 45_000; // whole probe (all attempts)
const START_TIMEOUT_MS = 15_000;
const MIGRATE_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 6;
const ROOT = opt('--root', null) ? resolve(opt('--root')) : null;
const LABEL = opt('--qemu', '7.2'); // the version label the app shows ("QEMU 10.0")
const STEM = opt('--name', `qemu-${LABEL}`);
// A reduced run (the README says so): only these device types, and no -cpu MODEL probes.
const DEVICES = opt('--devices', null)?.split(',') ?? null;
const NO_CPU_PROBES = argv.includes('--no-cpu-probes');
/** A host path under ROOT as QEMU inside the chroot sees it. */
const inGuest = (hostPath) => (ROOT ? hostPath.slice(ROOT.length) : hostPath);

// ------------------------------------------------------------------------------------------------
// Targets and built-in option combinations

/**
 * A probe configuration. Built into a QEMU command line by buildArgs().
 * machine: -M value (plus machineOpts), mem: -m value, cpu/smp optional, nodefaults (default true),
 * extra: additional raw args, device: {type, opts[]} or null, providers: bus names added.
 */
const TARGETS = [
  {
    id: 'x86_64-pc',
    binary: 'qemu-system-x86_64',
    base: { machine: 'pc', mem: '64' },
    cpuProbes: true,
    combos: [
      { name: 'smp2', smp: '2' },
      { name: 'smp4-sockets2', smp: '4,sockets=2,cores=2' },
      { name: 'cpu-max', cpu: 'max' },
      { name: 'cpu-max-smp2', cpu: 'max', smp: '2' },
      { name: 'defaults', nodefaults: false },
      { name: 'defaults-usb-user-net', nodefaults: false, machineOpts: ['usb=on'], extra: ['-netdev', 'user,id=n0', '-device', 'e1000,netdev=n0'] },
      { name: 'hpet-off', machineOpts: ['hpet=off'] },
      { name: 'acpi-off', machineOpts: ['acpi=off'] },
      { name: 'vmport-on', machineOpts: ['vmport=on'] },
      { name: 'std-vga-usb-tablet', extra: ['-vga', 'std', '-usb', '-device', 'usb-tablet'] },
      { name: 'cirrus-vga', extra: ['-vga', 'cirrus'] },
      { name: 'pc-i440fx-5.2', machine: 'pc-i440fx-5.2' },
      { name: 'pc-i440fx-3.1', machine: 'pc-i440fx-3.1', nodefaults: false },
      { name: 'pc-i440fx-2.3', machine: 'pc-i440fx-2.3', nodefaults: false },
      { name: 'isapc', machine: 'isapc', nodefaults: false },
    ],
  },
  {
    id: 'x86_64-q35',
    binary: 'qemu-system-x86_64',
    base: { machine: 'q35', mem: '64' },
    cpuProbes: false,
    combos: [
      { name: 'smp2', smp: '2' },
      { name: 'cpu-max', cpu: 'max' },
      { name: 'defaults', nodefaults: false },
      { name: 'smm-off', machineOpts: ['smm=off'] },
      { name: 'pc-q35-5.2', machine: 'pc-q35-5.2', nodefaults: false },
      { name: 'intel-iommu', machineOpts: ['kernel-irqchip=split'], extra: ['-device', 'intel-iommu,intremap=on'] },
    ],
  },
  {
    id: 'aarch64-virt',
    binary: 'qemu-system-aarch64',
    base: { machine: 'virt', cpu: 'cortex-a57', mem: '128' },
    cpuProbes: true,
    combos: [
      { name: 'smp2', smp: '2' },
      { name: 'cpu-max', cpu: 'max' },
      { name: 'cpu-max-smp2', cpu: 'max', smp: '2' },
      { name: 'defaults', nodefaults: false },
      { name: 'gic-v3', machineOpts: ['gic-version=3'] },
      { name: 'gic-v3-its-off', machineOpts: ['gic-version=3', 'its=off'] },
      { name: 'cpu-max-gic-v3-el2', cpu: 'max', machineOpts: ['gic-version=3', 'virtualization=on'] },
      { name: 'cpu-max-secure', cpu: 'max', machineOpts: ['secure=on'] },
      { name: 'acpi-off', machineOpts: ['acpi=off'] },
      { name: 'virt-6.2', machine: 'virt-6.2' },
      { name: 'firmware', extra: ['-bios', '@FIRMWARE@'] },
      { name: 'firmware-defaults', nodefaults: false, extra: ['-bios', '@FIRMWARE@'] },
    ],
  },
];

// ------------------------------------------------------------------------------------------------
// Backends and parent buses (table-driven)

/** Device property name → backend object to create and the value to give the property. */
const PROPERTY_BACKENDS = {
  drive: { args: (t) => ['-blockdev', `driver=null-co,node-name=probe-disk,read-zeroes=on,size=${t.diskSize ?? 67108864}`], value: 'probe-disk' },
  netdev: { args: () => ['-netdev', 'user,id=probe-net'], value: 'probe-net' },
  chardev: { args: () => ['-chardev', 'null,id=probe-chr'], value: 'probe-chr' },
  audiodev: { args: () => ['-audiodev', 'none,id=probe-snd'], value: 'probe-snd' },
  memdev: { args: () => ['-object', 'memory-backend-ram,id=probe-mem,size=128M'], value: 'probe-mem' },
  cryptodev: { args: () => ['-object', 'cryptodev-backend-builtin,id=probe-crypto'], value: 'probe-crypto' },
  fsdev: { args: (t) => ['-fsdev', `local,id=probe-fs,path=${t.workDir},security_model=none`], value: 'probe-fs' },
  bmc: { args: () => ['-device', 'ipmi-bmc-sim,id=probe-bmc'], value: 'probe-bmc' },
  canbus: { args: () => ['-object', 'can-bus,id=probe-can'], value: 'probe-can' },
  rootdir: { args: () => [], value: (t) => t.workDir },
};
/** Numbered variants (chardev1…, canbus0…) get one backend each: `chardev2` → backend of `chardev` with id suffix 2. */
function backendFor(prop) {
  if (PROPERTY_BACKENDS[prop]) return { ...PROPERTY_BACKENDS[prop], suffix: '' };
  const m = /^(chardev|canbus|drive|netdev)(\d+)$/.exec(prop);
  return m ? { ...PROPERTY_BACKENDS[m[1]], suffix: m[2] } : null;
}

/** Bus name (as printed by `-device help`) → device that provides such a bus, plus buses it needs. */
const BUS_PROVIDERS = {
  'usb-bus': { needs: [], args: ['-device', 'qemu-xhci,id=probe-usb'] },
  IDE: { needs: [], args: ['-device', 'ich9-ahci,id=probe-ide'] },
  SCSI: { needs: [], args: ['-device', 'virtio-scsi-pci,id=probe-scsi'] },
  HDA: { needs: [], args: ['-device', 'intel-hda,id=probe-hda'] },
  'ccid-bus': { needs: ['usb-bus'], args: ['-device', 'usb-ccid,id=probe-ccid'] },
  'virtio-serial-bus': { needs: [], args: ['-device', 'virtio-serial-pci,id=probe-vser'] },
  IndustryPack: { needs: [], args: ['-device', 'tpci200,id=probe-ipack'] },
  'floppy-bus': { needs: [], args: ['-device', 'isa-fdc,id=probe-fdc'] },
  'nvme-bus': { needs: [], args: ['-device', 'nvme,id=probe-nvme,serial=probe0'] },
  'sd-bus': { needs: [], args: ['-device', 'sdhci-pci,id=probe-sdhci'] },
};

/**
 * Retry rules: when QEMU refuses to start with a message matching `re`, `fix(cfg, match)` changes the
 * configuration (returns false if it cannot help). Each rule is applied at most once per probe.
 */
const RETRY_RULES = [
  {
    name: 'bus',
    re: /No '([^']+)' bus found for device/,
    fix: (cfg, m) => addProvider(cfg, m[1]),
  },
  {
    name: 'nvdimm',
    re: /nvdimm is not enabled/i,
    fix: (cfg) => (cfg.machineOpts = [...(cfg.machineOpts ?? []), 'nvdimm=on'], true),
  },
  {
    name: 'maxmem',
    re: /maxmem|memory devices \(e\.g\. for memory hotplug\) are not (enabled|supported)|no slots where (specified|defined|allocated)/i,
    fix: (cfg) => (cfg.memOpts = ['slots=4', 'maxmem=1G'], true),
  },
  {
    name: 'serial',
    re: /'serial' property is not set|serial property not set|property 'serial' is required/i,
    fix: (cfg) => (cfg.device.opts.push('serial=probe0'), true),
  },
  {
    // aarch64 virt only creates its ACPI GED (needed for memory hotplug) when firmware is loaded.
    name: 'acpi-ged',
    re: /missing acpi-ged device/,
    fix: (cfg) => (cfg.extra = [...(cfg.extra ?? []), '-bios', FIRMWARE], true),
  },
  {
    // Someone else's SIGTERM (e.g. a test run cleaning up QEMU processes): just try again.
    name: 'sigterm',
    re: /killed by SIGTERM/,
    fix: () => true,
  },
  {
    name: 'chassis',
    re: /Bridge chassis not specified/,
    fix: (cfg) => {
      const all = cfg.device.allProps ?? [];
      if (all.includes('chassis_nr')) cfg.device.opts.push('chassis_nr=7');
      else if (all.includes('bus_nr')) cfg.device.opts.push('bus_nr=5');
      else return false;
      return true;
    },
  },
  {
    name: 'mount_tag',
    re: /mount_tag/i,
    fix: (cfg) => (cfg.device.opts.push('mount_tag=probe'), true),
  },
  {
    name: 'floppy-size',
    re: /(geometry|floppy)/i,
    fix: (cfg) => (cfg.diskSize = 1474560, true),
  },
  {
    name: 'split-irqchip',
    re: /kernel-irqchip=split|intremap/i,
    fix: (cfg) => (cfg.machineOpts = [...(cfg.machineOpts ?? []), 'kernel-irqchip=split'], true),
  },
  {
    name: 'pcie-slot',
    re: /(PCI Express|PCIe) (device|port).*(slot|bus)|must be a PCI Express/i,
    fix: (cfg) => {
      if (cfg.providers?.includes('pcie-root-port')) return false;
      cfg.providers = [...(cfg.providers ?? []), 'pcie-root-port'];
      cfg.device.opts.push('bus=probe-rp');
      return true;
    },
  },
];

/** Placeholder for an all-zero 64 KiB firmware image (created in the work directory). */
const FIRMWARE = '@FIRMWARE@';

function addProvider(cfg, bus) {
  const p = BUS_PROVIDERS[bus];
  if (!p) return false;
  cfg.providers ??= [];
  if (cfg.providers.includes(bus)) return false;
  for (const need of p.needs) if (!cfg.providers.includes(need)) cfg.providers.push(need);
  cfg.providers.push(bus);
  return true;
}

function buildArgs(cfg) {
  const args = ['-S', '-display', 'none'];
  if (cfg.nodefaults !== false) args.push('-nodefaults');
  args.push('-M', [cfg.machine, ...(cfg.machineOpts ?? [])].join(','));
  args.push('-m', [cfg.mem, ...(cfg.memOpts ?? [])].join(','));
  if (cfg.cpu) args.push('-cpu', cfg.cpu);
  if (cfg.smp) args.push('-smp', cfg.smp);
  for (const bus of cfg.providers ?? []) {
    if (bus === 'pcie-root-port') args.push('-device', 'pcie-root-port,id=probe-rp,chassis=9,slot=9');
    else args.push(...BUS_PROVIDERS[bus].args);
  }
  if (cfg.device) {
    const opts = [...cfg.device.opts];
    for (const prop of cfg.device.props ?? []) {
      const b = backendFor(prop);
      if (!b) continue;
      const rename = (x) => (b.suffix ? x.replace(/\b(id|node-name)=probe-([a-z]+)/, `$1=probe-$2${b.suffix}`) : x);
      args.push(...b.args(cfg).map(rename));
      const value = typeof b.value === 'function' ? b.value(cfg) : b.value;
      opts.push(`${prop}=${value}${b.suffix}`);
    }
    args.push('-device', [cfg.device.type.replace(/,/g, ',,'), 'id=probe-dev', ...opts].join(','));
  }
  args.push(...(cfg.extra ?? []).map((a) => (a === FIRMWARE ? join(cfg.workDir, 'firmware.bin') : a)));
  return args;
}

// ------------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function runCapture(binary, args, timeoutMs = 30_000) {
  return new Promise((resolveP, reject) => {
    const p = ROOT ? spawn('chroot', [ROOT, binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', () => (clearTimeout(t), resolveP(out)));
  });
}

/** First meaningful line of a QEMU error text, without the binary path prefix. */
function firstError(text) {
  const lines = String(text)
    .split('\n')
    .map((l) => l.replace(/^.*?qemu-system-[a-z0-9_]+: /, '').trim())
    .filter((l) => l && !/^(\S+: )?(warning|info):/i.test(l) && !/^(qemu-system-\S+ )?exited with/.test(l));
  return lines[0] ?? String(text).trim().split('\n')[0] ?? '';
}

/** QEMU with a QMP socket (scripts/lib/qemu.mjs startQemu: gives up as soon as QEMU exits). */
const launchQemu = (binary, args, timeoutMs = START_TIMEOUT_MS) => startQemu(binary, args, { timeoutMs, chroot: ROOT ?? undefined });

// ------------------------------------------------------------------------------------------------
// vmdesc extraction and a duplicate-key-aware JSON reader

/** Returns {machine, json} from a migration stream buffer (format.md §4, §5.1), or throws. */
function extractVmdesc(buf) {
  if (buf.length < 16 || buf.readUInt32BE(0) !== 0x5145564d) throw new Error('not a QEVM stream');
  let machine = null;
  if (buf[8] === 0x07) {
    const len = buf.readUInt32BE(9);
    machine = buf.subarray(13, 13 + len).toString('latin1');
  }
  // ... 00 (EOF) | 06 | be32 json_len | json; the JSON runs to the end of the file.
  for (let pos = buf.length - 7; pos >= 8; pos--) {
    if (buf[pos] === 0x00 && buf[pos + 1] === 0x06 && buf.readUInt32BE(pos + 2) === buf.length - pos - 6 && buf[pos + 6] === 0x7b) {
      return { machine, json: buf.subarray(pos + 6).toString('utf8') };
    }
  }
  throw new Error('no vmdesc JSON at the end of the stream');
}

/**
 * JSON.parse-compatible reader (later duplicate keys win, as with JSON.parse) that also reports
 * duplicate keys: QEMU repeats the element-vmsd keys of qtailq/qlist/gtree fields once per element
 * (format.md §3.7). For such objects the values of every occurrence are kept in `dups`.
 */
function parseJsonWithDuplicates(text) {
  let i = 0;
  const dupObjects = [];
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (what) => {
    throw new Error(`JSON: ${what} at ${i}`);
  };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      let dups = null;
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected key');
        const k = string();
        ws();
        if (text[i++] !== ':') fail('expected :');
        const v = value();
        if (Object.prototype.hasOwnProperty.call(obj, k)) {
          dups ??= new Map();
          if (!dups.has(k)) dups.set(k, [obj[k]]);
          dups.get(k).push(v);
        }
        obj[k] = v;
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; break; }
        fail('expected , or }');
      }
      if (dups) dupObjects.push({ obj, dups });
      return obj;
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; break; }
        fail('expected , or ]');
      }
      return arr;
    }
    if (c === '"') return string();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 40));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return JSON.parse(m[0]);
  }
  function string() {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (text[i] === '\\') i++;
      i++;
      if (i >= text.length) fail('unterminated string');
    }
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const result = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return { result, dupObjects };
}

// ------------------------------------------------------------------------------------------------
// Device discovery

function parseDeviceHelp(text) {
  const devices = [];
  let category = '';
  for (const line of text.split('\n')) {
    const h = /^([A-Za-z/ ]+) devices:$/.exec(line.trim());
    if (h) { category = h[1]; continue; }
    const m = /^name "([^"]+)"(?:, bus ([^,]+))?(?:, alias "([^"]+)")?(?:, desc "(.*)")?/.exec(line.trim());
    if (m) devices.push({ type: m[1], bus: m[2] ?? null, category, desc: m[4] ?? '' });
  }
  return devices;
}

async function discover(target, workDir) {
  const cfg = { ...target.base };
  const help = await runCapture(target.binary, ['-M', cfg.machine, '-device', 'help']);
  const devices = parseDeviceHelp(help);
  // Property names, through one QMP session (restarted if a query kills QEMU).
  let q = null;
  const props = {};
  const unknownProps = [];
  let cpus = [];
  for (const d of [{ type: null, category: '' }, ...devices]) {
    if (d.category === 'CPU') continue;
    for (let tries = 0; tries < 2; tries++) {
      try {
        if (!q) {
          q = await launchQemu(target.binary, buildArgs({ ...cfg, workDir: inGuest(workDir) }));
          q.dead = q.exited.then(() => { throw new Error('QEMU exited'); });
          q.dead.catch(() => {});
        }
        if (d.type === null) {
          const defs = await withTimeout(Promise.race([q.qmp.execute('query-cpu-definitions'), q.dead]), 10_000, 'query-cpu-definitions');
          cpus = defs.map((c) => ({ model: c.name, type: c.typename ?? c.name })).sort((a, b) => (a.model < b.model ? -1 : 1));
          break;
        }
        const list = await withTimeout(Promise.race([q.qmp.execute('device-list-properties', { typename: d.type }), q.dead]), 10_000, 'device-list-properties');
        props[d.type] = list.map((p) => p.name);
        break;
      } catch (e) {
        if (q) { q.proc.kill('SIGKILL'); q.qmp.close(); await q.exited; q = null; }
        if (tries === 1) unknownProps.push(`${d.type}: ${firstError(e.message)}`);
      }
    }
  }
  if (q) {
    await q.qmp.execute('quit').catch(() => {});
    await withTimeout(q.exited, 5000, 'quit').catch(() => q.proc.kill('SIGKILL'));
  }
  return { devices: devices.filter((d) => d.category !== 'CPU'), props, unknownProps, cpus };
}

// ------------------------------------------------------------------------------------------------
// One probe: start, migrate, extract

async function stopQemu(q) {
  try {
    await withTimeout(Promise.race([q.qmp.execute('quit'), q.exited]), 3000, 'quit');
  } catch {}
  try {
    await withTimeout(q.exited, 3000, 'exit');
  } catch {
    q.proc.kill('SIGKILL');
    await q.exited;
  }
  q.qmp.close();
}

function describeExit(q) {
  const { exitCode, signalCode } = q.proc;
  return signalCode ? `killed by ${signalCode}` : `exited with status ${exitCode}`;
}

/** Runs one attempt. Returns {stage:'start'|'migrate'|'ok', error?, json?, machine?}. */
async function attempt(binary, cfg, file) {
  const args = buildArgs(cfg);
  let q;
  try {
    q = await launchQemu(binary, args);
  } catch (e) {
    return { stage: 'start', error: e.message, args };
  }
  const dead = q.exited.then(() => {
    throw new Error(`QEMU ${describeExit(q)}: ${firstError(q.stderr())}`);
  });
  dead.catch(() => {});
  const call = (cmd, a, ms = 10_000) => withTimeout(Promise.race([q.qmp.execute(cmd, a), dead]), ms, cmd);
  let phase = 'after start';
  try {
    await call('migrate-set-parameters', { 'max-bandwidth': 1e12 });
    phase = 'during migration';
    try {
      await call('migrate', { uri: `exec:cat > ${inGuest(file)}` });
    } catch (e) {
      return { stage: 'migrate', error: e.message, args };
    }
    const info = await withTimeout(Promise.race([waitForMigration(q.qmp, { timeoutMs: MIGRATE_TIMEOUT_MS }), dead]), MIGRATE_TIMEOUT_MS + 5000, 'migration');
    if (info.status !== 'completed') {
      return { stage: 'migrate', error: `migration ${info.status}: ${info['error-desc'] ?? firstError(q.stderr())}`, args };
    }
    // exec:cat may still be flushing when QEMU reports completion; wait for the file to settle.
    let buf = null;
    for (let i = 0; i < 50; i++) {
      try {
        buf = readFileSync(file);
        return { stage: 'ok', ...extractVmdesc(buf), args, stderr: q.stderr() };
      } catch (e) {
        if (i === 49) return { stage: 'migrate', error: `stream: ${e.message}`, args };
        await sleep(50);
      }
    }
  } catch (e) {
    // A dying QEMU may close the QMP socket before the exit is seen; give it a moment to be sure.
    await Promise.race([q.exited, sleep(1000)]);
    await sleep(20);
    const crashed = q.proc.exitCode !== null || q.proc.signalCode !== null;
    const error = crashed ? `QEMU ${describeExit(q)} ${phase}: ${firstError(q.stderr()) || '(no message)'}` : e.message;
    return { stage: 'migrate', error, args, crashed };
  } finally {
    await stopQemu(q);
    rmSync(file, { force: true });
  }
}

/** A probe with retries driven by RETRY_RULES. */
async function runProbe(probe, workDir) {
  const cfg = structuredClone(probe.cfg);
  cfg.workDir = inGuest(workDir);
  const applied = new Set();
  const t0 = Date.now();
  const file = join(workDir, `probe-${probe.index}.bin`);
  let last;
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    if (Date.now() - t0 > PROBE_TIMEOUT_MS) return { ...last, error: `timeout (${last?.error ?? ''})`, attempts: n };
    last = await attempt(probe.binary, cfg, file);
    if (last.stage === 'ok' || (last.stage === 'migrate' && !/killed by SIGTERM/.test(last.error))) break;
    const msg = last.error;
    const rule = RETRY_RULES.find((r) => !applied.has(r.name) && r.re.test(msg));
    if (!rule) break;
    applied.add(rule.name);
    if (!rule.fix(cfg, rule.re.exec(msg))) break;
  }
  return { ...last, fixes: [...applied], ms: Date.now() - t0 };
}

// ------------------------------------------------------------------------------------------------
// Merging

function makeLibrary(qemuVersion) {
  return {
    qemu: qemuVersion,
    version: LABEL,
    generatedBy: 'scripts/make-vmdesc-library.mjs',
    targets: {},
    vmsds: {},
    idstrAliases: {},
    oldStyle: {},
    probes: {},
  };
}

const key = (v) => JSON.stringify(v);

/** Every subsection description below `desc` (a device, subsection, struct body or tmp/vstruct/qtailq field). */
function* nestedSubsections(desc) {
  for (const s of desc.subsections ?? []) {
    yield s;
    yield* nestedSubsections(s);
  }
  for (const f of desc.fields ?? []) {
    if (f.struct) yield* nestedSubsections(f.struct);
    if (f.vmsd_name !== undefined) yield* nestedSubsections(f);
  }
}

function mergeDevice(state, target, probeName, dev) {
  const seen = `${target}:${probeName}`;
  if (dev.vmsd_name === undefined) {
    const e = (state.oldStyle[dev.name] ??= { sizes: new Map(), instanceIds: new Set() });
    e.instanceIds.add(dev.instance_id);
    const fieldsKey = key(dev.fields);
    if (!e.sizes.has(fieldsKey)) e.sizes.set(fieldsKey, { size: dev.size, fields: dev.fields, seenIn: new Set() });
    e.sizes.get(fieldsKey).seenIn.add(seen);
    return;
  }
  const e = (state.vmsds[dev.vmsd_name] ??= { versions: new Map(), subsections: new Map(), idstrs: new Set(), instanceIds: new Set() });
  e.idstrs.add(dev.name);
  e.instanceIds.add(dev.instance_id);
  const variants = e.versions.get(dev.version) ?? new Map();
  e.versions.set(dev.version, variants);
  const variant = { fields: dev.fields };
  if (dev.subsections) variant.subsections = dev.subsections;
  const k = key(variant);
  if (!variants.has(k)) variants.set(k, { ...variant, seenIn: new Set() });
  variants.get(k).seenIn.add(seen);
  for (const s of nestedSubsections(dev)) {
    const sk = `${s.vmsd_name}\u0000${s.version}`;
    const list = e.subsections.get(sk) ?? new Map();
    e.subsections.set(sk, list);
    const desc = { vmsd_name: s.vmsd_name, version: s.version, fields: s.fields };
    if (s.subsections) desc.subsections = s.subsections;
    const dk = key(desc);
    if (!list.has(dk)) list.set(dk, desc);
  }
  const idstr = dev.name;
  if (idstr !== dev.vmsd_name && !idstr.endsWith(`/${dev.vmsd_name}`)) {
    const last = idstr.slice(idstr.lastIndexOf('/') + 1);
    (state.aliases[last] ??= new Set()).add(dev.vmsd_name);
  }
}

/** Reduces a seenIn set: for targets whose base machine already had the entry, device probes are only counted. */
function compactSeenIn(seenIn, baseProbes) {
  const out = [];
  const counted = {};
  for (const s of [...seenIn].sort()) {
    const target = s.slice(0, s.indexOf(':'));
    const probe = s.slice(s.indexOf(':') + 1);
    if (seenIn.has(`${target}:(base)`) && !baseProbes.has(s)) {
      counted[target] = (counted[target] ?? 0) + 1;
      continue;
    }
    out.push(s);
  }
  for (const [t, n] of Object.entries(counted)) out.push(`${t}:+${n} device probes`);
  return out;
}

function sortedObject(entries) {
  return Object.fromEntries([...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function finishLibrary(lib, state, baseProbes) {
  for (const [name, e] of Object.entries(state.vmsds).sort()) {
    const versions = {};
    for (const [v, variants] of [...e.versions].sort((a, b) => a[0] - b[0])) {
      versions[v] = [...variants.values()].map((x) => ({ ...x, seenIn: compactSeenIn(x.seenIn, baseProbes) }));
    }
    const subsections = {};
    for (const list of [...e.subsections.values()]) {
      for (const d of list.values()) (subsections[d.vmsd_name] ??= []).push({ version: d.version, fields: d.fields, ...(d.subsections ? { subsections: d.subsections } : {}) });
    }
    lib.vmsds[name] = {
      versions,
      subsections: sortedObject(Object.entries(subsections)),
      idstrs: [...e.idstrs].sort().slice(0, 16),
      instanceIds: [...e.instanceIds].sort((a, b) => a - b),
    };
  }
  lib.vmsds = sortedObject(Object.entries(lib.vmsds));
  for (const [alias, set] of Object.entries(state.aliases).sort()) lib.idstrAliases[alias] = set.size === 1 ? [...set][0] : [...set].sort();
  for (const [name, e] of Object.entries(state.oldStyle).sort()) {
    lib.oldStyle[name] = {
      opaque: true,
      instanceIds: [...e.instanceIds].sort((a, b) => a - b),
      variants: [...e.sizes.values()].map((x) => ({ size: x.size, fields: x.fields, seenIn: compactSeenIn(x.seenIn, baseProbes) })),
    };
  }
}

// ------------------------------------------------------------------------------------------------
// Failure grouping for the summary

function reasonGroup(r) {
  let s = firstError(r.error ?? '');
  s = s.replace(/-device [^\s:]+/g, '-device …').replace(/'probe-[a-z-]+'/g, "'…'");
  s = s.replace(/\b(for device|device|Device) '[^']+'/g, "$1 '…'").replace(/"[^"]*"/g, '"…"');
  s = s.replace(/\b0x[0-9a-f]+\b/gi, '0x…').replace(/\d{3,}/g, 'N');
  if (s.length > 160) s = s.slice(0, 157) + '...';
  return `${r.stage === 'start' ? 'start' : 'migrate'}: ${s}`;
}

// ------------------------------------------------------------------------------------------------
// Main

async function main() {
  const tStart = Date.now();
  const workDir = mkdtempSync(join(ROOT ? join(ROOT, 'tmp') : tmpdir(), 'vmdesc-lib-'));
  writeFileSync(join(workDir, 'firmware.bin'), Buffer.alloc(65536));
  const cleanup = () => {
    for (const p of live) p.kill('SIGKILL');
  };
  process.on('SIGINT', () => (cleanup(), process.exit(130)));
  process.on('SIGTERM', () => (cleanup(), process.exit(143)));

  const versionText = (await runCapture('qemu-system-x86_64', ['--version'])).split('\n')[0];
  const qemuVersion = versionText.replace(/^QEMU emulator version /, '');
  const targets = TARGETS.filter((t) => !ONLY || ONLY.split(',').includes(t.id));

  // Probe list.
  const probes = [];
  const discovery = {};
  for (const t of targets) {
    const d = await discover(t, workDir);
    discovery[t.id] = d;
    console.error(`${t.id}: ${d.devices.length} device types, ${d.cpus.length} CPU models, ${d.unknownProps.length} without property list`);
    const add = (name, kind, cfg, extra = {}) => probes.push({ index: probes.length, target: t.id, binary: t.binary, name, kind, cfg, ...extra });
    add('(base)', 'base', { ...t.base });
    for (const c of t.combos) {
      const { name, ...rest } = c;
      add(`(${name})`, 'combo', { ...t.base, ...rest });
    }
    if (t.cpuProbes && !NO_CPU_PROBES) for (const c of d.cpus) add(`-cpu ${c.model}`, 'cpu', { ...t.base, cpu: c.model }, { cpuType: c.type });
    let n = 0;
    for (const dev of d.devices) {
      if (DEVICES && !DEVICES.includes(dev.type)) continue;
      if (n++ >= LIMIT) continue;
      const props = d.props[dev.type] ?? [];
      const cfg = { ...t.base, device: { type: dev.type, opts: [], props: props.filter((p) => backendFor(p)), allProps: props } };
      add(dev.type, 'device', cfg, { bus: dev.bus, category: dev.category });
    }
  }
  console.error(`${probes.length} probes, ${JOBS} at a time`);

  // Run.
  const results = new Array(probes.length);
  let next = 0;
  let done = 0;
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= probes.length) return;
      const p = probes[i];
      let r;
      try {
        r = await runProbe(p, workDir);
      } catch (e) {
        r = { stage: 'start', error: `probe error: ${e.stack ?? e}` };
      }
      results[i] = r;
      done++;
      if (r.stage !== 'ok' || done % 50 === 0) {
        console.error(`[${done}/${probes.length}] ${p.target} ${p.name}: ${r.stage === 'ok' ? 'ok' : reasonGroup(r)}`);
      }
    }
  }
  await Promise.all(Array.from({ length: JOBS }, worker));

  // Merge (in probe order, so the output does not depend on scheduling).
  const lib = makeLibrary(qemuVersion);
  const state = { vmsds: {}, oldStyle: {}, aliases: {} };
  const baseProbes = new Set();
  const duplicateKeys = new Map(); // vmsd of objects with repeated keys -> count
  const summary = {};
  for (const p of probes) {
    const r = results[p.index];
    const t = TARGETS.find((x) => x.id === p.target);
    lib.targets[p.target] ??= { binary: t.binary, args: buildArgs(t.base), machine: null, page_size: null };
    lib.probes[p.target] ??= { started: [], migrated: [], failed: {}, combos: {} };
    const s = (summary[p.target] ??= { devices: { tried: 0, started: 0, migrated: 0 }, cpus: { tried: 0, started: 0, migrated: 0 }, combos: { tried: 0, started: 0, migrated: 0 }, reasons: new Map(), fixes: {} });
    const bucket = p.kind === 'device' ? s.devices : p.kind === 'cpu' ? s.cpus : s.combos;
    bucket.tried++;
    if (r.stage !== 'start') bucket.started++;
    if (r.stage === 'ok') bucket.migrated++;
    for (const f of r.fixes ?? []) s.fixes[f] = (s.fixes[f] ?? 0) + 1;
    const probeLog = lib.probes[p.target];
    if (p.kind === 'combo' || p.kind === 'base') {
      const args = (r.args ?? []).map((a) => a.split(inGuest(workDir)).join('<tmp>'));
      probeLog.combos[p.name] = r.stage === 'ok' ? { args } : { args, failed: firstError(r.error) };
    } else {
      if (r.stage !== 'start') probeLog.started.push(p.name);
      if (r.stage === 'ok') probeLog.migrated.push(p.name);
      else probeLog.failed[p.name] = `${r.stage}: ${firstError(r.error)}`;
    }
    if (r.stage !== 'ok') {
      const g = reasonGroup(r);
      if (!s.reasons.has(g)) s.reasons.set(g, []);
      s.reasons.get(g).push(p.name);
      continue;
    }
    const { result: vmdesc, dupObjects } = parseJsonWithDuplicates(r.json);
    for (const { obj, dups } of dupObjects) {
      const k = `${obj.name ?? '?'} (${obj.type ?? '?'}): ${[...dups.keys()].join(',')}`;
      duplicateKeys.set(k, (duplicateKeys.get(k) ?? 0) + 1);
    }
    if (p.kind === 'base') {
      lib.targets[p.target].machine = r.machine;
      lib.targets[p.target].page_size = vmdesc.page_size;
    } else if (lib.targets[p.target].page_size !== null && lib.targets[p.target].page_size !== vmdesc.page_size) {
      console.error(`warning: ${p.target} ${p.name}: page_size ${vmdesc.page_size}`);
    }
    if (p.kind === 'base' || p.kind === 'combo') baseProbes.add(`${p.target}:${p.name}`);
    for (const dev of vmdesc.devices) mergeDevice(state, p.target, p.name, dev);
  }
  finishLibrary(lib, state, baseProbes);
  for (const [t, log] of Object.entries(lib.probes)) {
    log.failed = sortedObject(Object.entries(log.failed));
  }
  lib.duplicateKeyObjects = Object.fromEntries([...duplicateKeys].sort());

  mkdirSync(OUT_DIR, { recursive: true });
  const jsonText = JSON.stringify(lib);
  writeFileSync(join(OUT_DIR, `${STEM}.json`), jsonText + '\n');
  const seconds = Math.round((Date.now() - tStart) / 1000);
  writeFileSync(join(OUT_DIR, ROOT ? `README-${STEM}.md` : 'README.md'), readme(lib, summary, jsonText.length, seconds, discovery));
  rmSync(workDir, { recursive: true, force: true });
  console.error(`wrote ${Object.keys(lib.vmsds).length} vmsds, ${jsonText.length} bytes, in ${seconds} s`);
}

// ------------------------------------------------------------------------------------------------
// README

function readme(lib, summary, size, seconds, discovery) {
  const L = [];
  L.push('# vmdesc library (generated)');
  L.push('');
  L.push(`\`${STEM}.json\` holds the VMState descriptions ("vmdesc" JSON, docs format.md §3.7) of every device`);
  L.push(`section that QEMU ${LABEL} wrote while migrating the probe machines listed below. It is the schema source`);
  L.push('for files that carry no JSON themselves (xen-save-devices-state, COLO, Xen; format.md §3.10).');
  L.push('');
  L.push('Regenerate with `node scripts/make-vmdesc-library.mjs` (needs qemu-system-x86_64 and');
  L.push('qemu-system-aarch64 7.2; runs the probes 2 at a time). Do not edit the files by hand.');
  L.push('');
  L.push(`## Shape of ${STEM}.json`);
  L.push('');
  L.push('```');
  L.push('{');
  L.push('  "qemu": "7.2.22 (Debian …)",            // qemu-system-x86_64 --version');
  L.push('  "generatedBy": "scripts/make-vmdesc-library.mjs",');
  L.push('  "targets": { "<target>": { "binary", "args" (base command line), "machine" (name from the');
  L.push('               CONFIGURATION section), "page_size" (vmdesc page_size) } },');
  L.push('  "vmsds": {');
  L.push('    "<vmsd_name>": {');
  L.push('      "versions": { "<section version>": [ { "fields": [...], "subsections": [...]?, "seenIn": [...] } ] },');
  L.push('      "subsections": { "<subsection vmsd_name>": [ { "version", "fields", "subsections"? } ] },');
  L.push('      "idstrs": [ "<idstr>", ... ],          // section names seen (first 16)');
  L.push('      "instanceIds": [ 0, ... ]');
  L.push('    }');
  L.push('  },');
  L.push('  "idstrAliases": { "<last idstr component>": "<vmsd_name>" | ["<vmsd_name>", ...] },');
  L.push('  "oldStyle": { "<idstr>": { "opaque": true, "instanceIds", "variants": [ { "size", "fields", "seenIn" } ] } },');
  L.push('  "probes": { "<target>": { "started": [types], "migrated": [types], "failed": { "<type>": "<stage>: <reason>" },');
  L.push('                            "combos": { "(<name>)": { "args", "failed"? } } } },');
  L.push('  "duplicateKeyObjects": { "<field name> (<type>): <keys>": count }');
  L.push('}');
  L.push('```');
  L.push('');
  L.push('- `versions[v]` is a list of the **distinct** top-level descriptions seen for that section version. Each');
  L.push('  one reflects the runtime state of one probe: VARRAY/VBUFFER lengths, `index`-style array entries,');
  L.push('  opaque blob sizes (`virtio`, old-style) and which subsections were sent can differ. `fields` and');
  L.push('  `subsections` are exactly as QEMU wrote them (nested `struct` bodies and the inline `vmsd_name`/');
  L.push('  `version`/`fields`/`subsections` keys of `tmp`/`vstruct`/`qtailq` fields included); only the');
  L.push('  device-level keys `name`, `instance_id`, `vmsd_name`, `version` are moved out.');
  L.push('- `subsections` (per vmsd) is the superset of every subsection description seen anywhere below that');
  L.push('  section: direct subsections, subsections of subsections and subsections of nested struct/tmp/vstruct');
  L.push('  bodies, keyed by the subsection vmsd_name; each value lists the distinct descriptions (a subsection');
  L.push('  is only sent when its `needed` returns true, so a file may contain one that a given variant lacks).');
  L.push('- `seenIn` lists `<target>:<probe>`; probes in parentheses are the bare machine `(base)` or an option');
  L.push('  combination, others are device types (or CPU types, probed as `-cpu MODEL`). When the base machine');
  L.push('  of a target already produced that description, device probes of that target are only counted');
  L.push('  (`<target>:+N device probes`).');
  L.push('- `idstrAliases`: a section idstr is `<vmsd name>` or `<qdev path>/<vmsd name>`; entries appear');
  L.push('  only where the last `/` component of an idstr differs from the vmsd_name of the section. A list');
  L.push('  means the same component named different vmsds.');
  L.push('- `oldStyle`: sections without a vmsd (format.md §3.6), keyed by idstr; their body is opaque and the');
  L.push('  JSON only gives the total size.');
  L.push('- qtailq/qlist/gtree fields repeat their element keys once per element (format.md §3.7); the file keeps');
  L.push('  what `JSON.parse` keeps (the last element). `duplicateKeyObjects` counts where that happened.');
  const shared = Object.entries(lib.vmsds)
    .filter(([, e]) => {
      // Some version seen only on one architecture and another seen only on a different one.
      const archOf = (variants) => new Set(variants.flatMap((v) => v.seenIn.map((x) => x.slice(0, x.indexOf(':')).split('_')[0].split('-')[0])));
      const only = Object.values(e.versions).map(archOf).filter((a) => a.size === 1).map((a) => [...a][0]);
      return new Set(only).size > 1;
    })
    .map(([n, e]) => `\`${n}\` (versions ${Object.keys(e.versions).join(', ')})`);
  L.push('- vmsd names are not unique across architectures: the same name can carry an unrelated layout on');
  L.push(`  x86_64 and aarch64${shared.length ? ` (here: ${shared.join(', ')})` : ''}; pick the variant by version and \`seenIn\`.`);
  L.push('');
  L.push('## Probe summary');
  L.push('');
  if (DEVICES || NO_CPU_PROBES) L.push(`Reduced run: ${DEVICES ? `device types ${DEVICES.join(', ')} only` : 'every device type'}${NO_CPU_PROBES ? '; no -cpu MODEL probes' : ''}.`, '');
  L.push(`QEMU ${lib.qemu}; ${Object.keys(lib.vmsds).length} vmsd entries, ${Object.keys(lib.oldStyle).length} old-style sections,`);
  L.push(`${(size / 1048576).toFixed(2)} MiB of JSON; run time ${Math.floor(seconds / 60)} min ${seconds % 60} s.`);
  L.push('');
  L.push('Each device type is started alone on the base machine (`-S -nodefaults -display none`), with the');
  L.push('backends its properties call for (drive → `null-co` blockdev, netdev → `user`, chardev → `null`,');
  L.push('audiodev → `none`, memdev → RAM backend, …) and a parent bus device added when QEMU reports a');
  L.push('missing bus; "migrated" means the migration completed and the vmdesc was extracted.');
  L.push('');
  L.push('| target | base args | page size | device types tried | started | migrated | CPU models tried | migrated | combos migrated |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const [t, s] of Object.entries(summary)) {
    const tg = lib.targets[t];
    L.push(`| ${t} | \`${tg.args.join(' ')}\` (${tg.machine}) | ${tg.page_size} | ${s.devices.tried} | ${s.devices.started} | ${s.devices.migrated} | ${s.cpus.tried} | ${s.cpus.migrated} | ${s.combos.migrated}/${s.combos.tried} |`);
  }
  L.push('');
  const crashes = [];
  for (const [t, log] of Object.entries(lib.probes)) {
    for (const [name, why] of Object.entries(log.failed)) if (/killed by SIG|timeout/.test(why)) crashes.push(`${t} \`${name}\`: ${why}`);
  }
  L.push('Not covered: device types that need host resources (vhost, vfio, SCSI passthrough, TPM, U2F, evdev),');
  L.push('buses these machines do not have (aarch64 virt: ISA, SSI, I²C; x86: virtio-mmio), and Xen-only devices');
  L.push('(xen-platform, xen-pvdevice, piix3-ide-xen: not built into the Debian qemu-system-x86 binary).');
  L.push('Device types that block migration are listed as "State blocked by non-migratable device".');
  L.push('');
  if (crashes.length) {
    L.push('QEMU crashed or hung:');
    L.push('');
    for (const c of crashes) L.push(`- ${c}`);
    L.push('');
  }
  for (const [t, s] of Object.entries(summary)) {
    L.push(`### ${t}: failures by reason`);
    L.push('');
    const fx = Object.entries(s.fixes).map(([k, v]) => `${k} ×${v}`).join(', ');
    if (fx) L.push(`Retry rules applied: ${fx}.`, '');
    if (discovery[t]?.unknownProps.length) L.push(`No property list for: ${discovery[t].unknownProps.join('; ')}.`, '');
    const groups = [...s.reasons].sort((a, b) => b[1].length - a[1].length);
    for (const [reason, names] of groups) {
      const shown = names.slice(0, 12).join(', ') + (names.length > 12 ? `, … (+${names.length - 12})` : '');
      L.push(`- **${names.length}** × \`${reason.replace(/`/g, "'")}\` — ${shown}`);
    }
    L.push('');
  }
  return L.join('\n');
}

main().catch((e) => {
  console.error(e);
  for (const p of live) p.kill('SIGKILL');
  process.exit(1);
});
