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
//          [--qemu LABEL --root CHROOT] [--name FILE-STEM] [--devices T1,TARGET:T2 --no-cpu-probes --no-combos]
//          [--cpu-probes]  (-cpu MODEL probes also where the target has none by default)
// --qemu 10.0 --root /var/tmp/trixie runs the QEMU of a debootstrap chroot (Debian trixie: 10.0, forky:
// 11.1; scripts/lib/qemu.mjs startQemu) and writes qemu-10.0.json (or --name STEM.json) and
// README-qemu-10.0.md; without --root the host's QEMU (Debian bookworm: 7.2) makes qemu-7.2.json/README.md.
// Only node built-ins, scripts/lib (qemu.mjs, qmp.mjs) and the modules in scripts/library are used:
// options.mjs (command line), targets.mjs (machines, backends, buses, retry rules), probe.mjs (running
// QEMU), vmdesc-json.mjs, merge.mjs, readme.mjs.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningQemus as live } from './lib/qemu.mjs';
import { finishLibrary, makeLibrary, mergeDevice, reasonGroup, sortedObject } from './library/merge.mjs';
import { CPU_PROBES, DEVICES, JOBS, LIMIT, NO_COMBOS, NO_CPU_PROBES, ONLY, OUT_DIR, ROOT, STEM, inGuest } from './library/options.mjs';
import { discover, firstError, runCapture, runProbe } from './library/probe.mjs';
import { readme } from './library/readme.mjs';
import { TARGETS, backendFor, buildArgs } from './library/targets.mjs';
import { parseJsonWithDuplicates } from './library/vmdesc-json.mjs';

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
    for (const c of NO_COMBOS ? [] : t.combos) {
      const { name, ...rest } = c;
      add(`(${name})`, 'combo', { ...t.base, ...rest });
    }
    if ((t.cpuProbes || CPU_PROBES) && !NO_CPU_PROBES) for (const c of d.cpus) add(`-cpu ${c.model}`, 'cpu', { ...t.base, cpu: c.model }, { cpuType: c.type });
    let n = 0;
    for (const dev of d.devices) {
      // `--devices TYPE` probes TYPE on every target, `--devices TARGET:TYPE` on that target only.
      if (DEVICES && !DEVICES.includes(dev.type) && !DEVICES.includes(`${t.id}:${dev.type}`)) continue;
      if (n++ >= LIMIT) continue;
      const props = d.props[dev.type] ?? [];
      const cfg = { ...t.base, i8042: d.i8042, device: { type: dev.type, opts: [], props: props.filter((p) => backendFor(p)), allProps: props } };
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
      // The order QEMU registered (and so writes) the sections in: it differs between versions
      // (11.1 registers apic before timer, 10.0 I440FX before fw_cfg) and tells which one wrote a file.
      lib.targets[p.target].sectionOrder = [...new Set(vmdesc.devices.map((d) => d.name.slice(d.name.lastIndexOf('/') + 1)))];
    } else if (lib.targets[p.target].page_size !== null && lib.targets[p.target].page_size !== vmdesc.page_size) {
      console.error(`warning: ${p.target} ${p.name}: page_size ${vmdesc.page_size}`);
    }
    if (p.kind === 'base' || p.kind === 'combo') baseProbes.add(`${p.target}:${p.name}`);
    // A probe run under KVM (retry rule `kvm`: vhost devices) wrote KVM's CPU, APIC and clock state,
    // which no TCG file has: the library takes only the sections the TCG base machine lacks.
    const base = r.fixes?.includes('kvm') ? new Set(lib.targets[p.target].sectionOrder ?? []) : null;
    for (const dev of vmdesc.devices) if (!base?.has(dev.name.slice(dev.name.lastIndexOf('/') + 1))) mergeDevice(state, p.target, p.name, dev);
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
  writeFileSync(join(OUT_DIR, ROOT || STEM !== 'qemu-7.2' ? `README-${STEM}.md` : 'README.md'), readme(lib, summary, jsonText.length, seconds, discovery));
  rmSync(workDir, { recursive: true, force: true });
  console.error(`wrote ${Object.keys(lib.vmsds).length} vmsds, ${jsonText.length} bytes, in ${seconds} s`);
}

main().catch((e) => {
  console.error(e);
  for (const p of live) p.kill('SIGKILL');
  process.exit(1);
});
