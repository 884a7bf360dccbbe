#!/usr/bin/env node
// The compatibility check (issue #12) against real loads of the hostdev fixtures
// (public/fixtures/hostdev, scripts/make-virtio-fixtures.mjs --set hostdev: ivshmem-plain/-doorbell,
// vmmouse, ccid-card-emulated, cxl-type3 behind pxb-cxl; nvme on 11.1): each file written by QEMU A
// loaded into QEMU B for the pairs issue 12 names. In two steps, so what the check said is written
// down before QEMU's verdicts exist (held-out, like scripts/make-compat-heldout.mjs):
//
//   node scripts/make-compat-hostdev.mjs predict   # `check --target B` of every file -> firstPrediction
//   node scripts/make-compat-hostdev.mjs load      # QEMU's verdicts -> public/compat/loads-hostdev.json
//
// With --set values, the same for the pseries VM of scripts/lib/value-machines.mjs (a second PHB, a
// bridge, DIMM and NVDIMM: public/fixtures/values -> public/compat/loads-values.json).
//
// The target runs the VM's own command line as that version builds it (its i8042 path for vmmouse,
// a fresh ivshmem server and the NSS database inside its chroot, the same zero 64 KiB -bios), which
// is how a VM moves to an upgraded host. Device-state files load with
// `-global migration.send-configuration=off -incoming exec:cat FILE` (docs/format.md §7: Debian's 7.2
// aborts after xen-load-devices-state on a non-Xen machine, so the compat loads use this recipe),
// the footer-less ones also with the other Xen globals they were saved with. Streams load into the
// writer's machine type where the target has it, with x-ignore-shared on as the writer had it
// (otherwise the configuration's capability check refuses them before any device is read).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { configurationType, machineTypes } from './lib/compat-qemu.mjs';
import { HOSTDEV_MACHINES, i8042Path, prepareHostdev } from './lib/hostdev-machines.mjs';
import { VALUE_MACHINES } from './lib/value-machines.mjs';
import { QEMUS, REPO_ROOT, startQemu } from './lib/qemu.mjs';
import { incomingVerdict, qemuMessages } from './lib/tpm-load.mjs';
import { COMMON, XEN_GLOBALS } from './lib/twin-fixtures.mjs';

const SET = process.argv.includes('--set') ? process.argv[process.argv.indexOf('--set') + 1] : 'hostdev';
if (!['hostdev', 'values'].includes(SET)) throw new Error(`--set ${SET}: hostdev or values`);
const MACHINES = SET === 'values' ? VALUE_MACHINES : HOSTDEV_MACHINES;
const FIXTURES = resolve(REPO_ROOT, `public/fixtures/${SET}`);
const LOADS = resolve(REPO_ROOT, `public/compat/loads-${SET}.json`);
/** Issue 12's pairs of versions. */
const PAIRS = [['7.2', '10.0'], ['10.0', '7.2'], ['10.0', '11.1'], ['11.1', '10.0'], ['7.2', '11.1']];
const KINDS = ['devstate', 'nofooter-devstate', 'migration'];
const WORK = '/tmp/compat-hostdev-load';
const qemu = (v) => QEMUS.find((q) => q.version === v);
const fileOf = (m, v, kind) => `qemu-${v}/${m.label}-${kind}.bin.gz`;

/** Every (machine, pair, kind) whose file exists (nvme-q35 only from 11.1). */
function cases() {
  const out = [];
  for (const [from, to] of PAIRS) {
    for (const m of MACHINES) {
      for (const kind of KINDS) if (existsSync(join(FIXTURES, fileOf(m, from, kind)))) out.push({ m, from, to, kind, file: fileOf(m, from, kind) });
    }
  }
  return out;
}

/**
 * What `vmstate-explorer check --target TO FILES…` prints for each case of CASES (one target): its
 * JSON line reduced to the verdict, the first failure's message and section (testing/compat-loads.ts).
 */
function predict(batch) {
  const dir = '/tmp/compat-hostdev-predict';
  mkdirSync(dir, { recursive: true });
  const paths = batch.map((c) => join(dir, `${c.m.label}-${c.kind}-${c.from}.bin`));
  batch.forEach((c, i) => writeFileSync(paths[i], gunzipSync(readFileSync(join(FIXTURES, c.file)))));
  // Several files make the CLI print one JSON line per file.
  // Its exit status says whether any file fails: the lines are what counts here.
  const out = spawnSync('node', [join(REPO_ROOT, 'bin/vmstate-explorer.js'), 'check', '--target', batch[0].to, ...paths, ...(paths.length === 1 ? paths : [])], { encoding: 'utf8' }).stdout;
  rmSync(dir, { recursive: true });
  const lines = new Map(out.trim().split('\n').map((l) => JSON.parse(l)).map((j) => [j.file, j]));
  return batch.map((_, i) => {
    const j = lines.get(paths[i]);
    return { verdict: j.verdict, ...(j.first ? { message: j.first.message, section: j.first.section } : {}) };
  });
}

const i8042s = new Map();
/** VM M's command line as QEMU version V builds it, with machine type TYPE for the alias. */
async function commandLine(m, v, type) {
  const q = qemu(v);
  let ctx = {};
  if (m.machine) {
    const key = `${m.label}@${v}`;
    if (!i8042s.has(key)) i8042s.set(key, await i8042Path(m, v, q.chroot));
    ctx = { i8042: i8042s.get(key) };
  }
  const args = [...(m.machine ?? []), ...m.args(v, ctx), ...COMMON];
  const i = args.indexOf('-M');
  if (type) args[i + 1] = args[i + 1].replace(/^[^,]+/, type);
  return args;
}

/** Loads case C into its target; QEMU's verdict, messages and the command line (the file as FILE). */
async function load(c) {
  const q = qemu(c.to);
  const root = q.chroot ?? '';
  mkdirSync(join(root, WORK), { recursive: true });
  const input = `${WORK}/input.bin`;
  const bytes = gunzipSync(readFileSync(join(FIXTURES, c.file)));
  writeFileSync(join(root, input), bytes);
  prepareHostdev(q.chroot);
  const alias = /^[^,]+/.exec((c.m.machine ?? c.m.args(c.to, {}))[(c.m.machine ?? c.m.args(c.to, {})).indexOf('-M') + 1])[0];
  let type = alias;
  if (c.kind === 'migration') {
    const writer = configurationType(bytes);
    type = machineTypes({ root: root || '/' }, { binary: c.m.binary }).machines.includes(writer) ? writer : alias;
  }
  const args = await commandLine(c.m, c.to, type);
  const incoming = c.kind === 'migration' ? ['-incoming', 'defer'] : [...(c.kind === 'devstate' ? ['-global', 'migration.send-configuration=off'] : XEN_GLOBALS), '-incoming', `exec:cat ${input}`];
  const backend = c.m.perVm ? await c.m.perVm(q.chroot) : null;
  try {
    const vm = await startQemu(c.m.binary, [...args, ...incoming], { chroot: q.chroot ?? undefined }).catch((e) => ({ error: e }));
    const recorded = { machineType: type, args: [...args, ...incoming.map((a) => a.replace(input, 'FILE'))] };
    if (vm.error) return { ok: false, status: 'exited', messages: qemuMessages(vm.error.stderr ?? vm.error.message), ...recorded };
    // A stream: x-ignore-shared on, as the writer had it, before the incoming migration starts.
    const begin = async () => {
      if (c.kind !== 'migration') return;
      await vm.qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
      await vm.qmp.execute('migrate-incoming', { uri: `exec:cat ${input}` });
    };
    const { status, messages } = await incomingVerdict(vm, 60_000, begin);
    return { ok: status === 'completed', status, messages, ...recorded };
  } finally {
    await backend?.stop();
    for (const f of [c.m.ramFile ?? []].flat()) rmSync(join(root, f), { force: true });
    rmSync(join(root, WORK), { recursive: true, force: true });
  }
}

const key = (l) => `${l.vm} ${l.from} -> ${l.to} ${l.kind}`;
const step = process.argv[2];
if (step !== 'predict' && step !== 'load') throw new Error('usage: make-compat-hostdev.mjs predict|load [--set values]');
const recorded = existsSync(LOADS) ? JSON.parse(readFileSync(LOADS, 'utf8')).loads : [];
const loads = [];
const all = cases();
const predictions = new Map();
if (step === 'predict') {
  for (const [from, to] of PAIRS) {
    const batch = all.filter((c) => c.from === from && c.to === to);
    predict(batch).forEach((p, i) => predictions.set(batch[i], p));
  }
}
for (const c of all) {
  const base = { from: c.from, to: c.to, vm: c.m.label, kind: c.kind, file: c.file };
  const before = recorded.find((l) => key(l) === key(base));
  if (step === 'predict') {
    // A prediction made once stays: re-running predict after a rule change must not rewrite history.
    loads.push(before?.firstPrediction ? before : { ...base, firstPrediction: predictions.get(c) });
    console.log(`[${SET}]`, key(base), loads.at(-1).firstPrediction.verdict);
    continue;
  }
  const r = await load(c);
  loads.push({ ...base, ...r, ...(before?.firstPrediction ? { firstPrediction: before.firstPrediction } : {}) });
  console.log(`[${SET}]`, key(base), `(${r.machineType}):`, r.ok ? 'loads' : `fails: ${r.messages.join(' | ')}`);
}
const note = 'firstPrediction: what `vmstate-explorer check FILE --target TO` printed for each file before QEMU first loaded it';
writeFileSync(LOADS, JSON.stringify({ generatedBy: 'scripts/make-compat-hostdev.mjs', note, loads }, null, 1) + '\n');
