#!/usr/bin/env node
// Writes src/format/vmdesc-library/NOT-COVERED.md: per QEMU version, every device type of
// `-device help` that none of that version's libraries migrated on a probe target, with the reason
// class and QEMU's own message, from the probe records of every library file of the version
// (qemu-<v>.json, qemu-<v>-<arch>.json and the reduced runs' group files: a type one file failed and
// another migrated is covered). This list is made from the records, so it stays true as group files
// add devices. It also rewrites the "Not covered" paragraph of every library README from the same
// rows (notCoveredParagraph). library-coverage.test.ts runs it with --check.
// Usage: node scripts/library/not-covered.mjs [--check]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/format/vmdesc-library');
const OUT = join(DIR, 'NOT-COVERED.md');

/**
 * Reason classes, tried in order on "<stage>: <QEMU's message>" (the probe records) and the type
 * name. The last one takes what is left: a required value the generic probe has no rule for.
 */
export const CLASSES = [
  { id: 'blocked', text: 'QEMU blocks its migration (refused it in the probe, or, for a vhost-user device the probe could not start, its vmsd is .unmigratable)', test: (t, m) => /^migrate: .*(State blocked by non-migratable device|Migration is disabled)/.test(m) },
  { id: 'crashed', text: 'QEMU crashed or hung in the probe', test: (t, m) => /killed by SIG|no QMP greeting|Assertion/.test(m) },
  { id: 'xen', text: 'Xen only (a Xen guest or xen-bus)', test: (t, m) => /^xen-/.test(t) || /xen-bus|Xen guest/.test(m) },
  // OpenGL: the -gl display devices need a display with OpenGL (egl-headless on a DRM render node), which these hosts lack.
  { id: 'host', text: 'needs a host resource (vhost/vhost-user back-end, vfio, SCSI generic, U2F key, evdev, TPM, KVM or Hyper-V, RDMA, an OpenGL display)',
    test: (t, m) => /Failed to set msg fds|wwpn|vhostdev|guest-cid|SG_IO|host device|U2F|evdev|requires kvm|SynIC|fd parameter|No socket specified|tpmdev|host-path|vhost-user-base: need to define device id|RNG backend|rdma|opengl is not available|does not have OpenGL support/i.test(m) },
  // pseries plugs only bridges with a chassis_nr property (the probes give it where there is one:
  // value-rules.mjs spapr-chassis), so one still lacking it has none ("Try -device pci-bridge instead");
  // guest-loader writes into the machine's device tree, which pc, q35 and pseries (built at reset) lack
  // at realize; q35's own LPC bridge holds the slot the IGD LPC bridge must have.
  { id: 'place', text: 'no place for it on this machine (its bus is absent, or it cannot be plugged here)',
    test: (t, m) => /No '[^']+' bus found|Bus '[^']+' not found|machine\.cxl' not found|cannot reside on|can be attached only to root bus|expects a dynamic sysbus device type|can not be dynamically instantiated|not attached to any PCI bus|hotplug handler|MSI-X support is mandatory|requires vmbus-bridge|Only PCI\/PCIe bridges|PCI Bridge lacks a "chassis_nr" property|Cannot modify FDT fields if the machine has none|not available for \S+, in use by/.test(m) },
  { id: 'config', text: 'needs a value the generic probe does not give (a kernel image, a target, a NUMA node, …)', test: () => true },
];

/** QEMU's message without its echo of the device's arguments, which name the probe's backends (`tpmdev=probe-tpm`). */
const withoutArgs = (why) => why.replace(/-device [^:]*: /, '');
const classify = (type, why) => CLASSES.find((c) => c.test(type, withoutArgs(why)));

/** version → target → { migrated: Set, failed: Map(type → reason) }, over every library file of the version. */
export function records() {
  const out = new Map();
  for (const f of readdirSync(DIR).filter((x) => /^qemu-[\d.]+(-[a-z0-9_]+)?\.json$/.test(x)).sort()) {
    const lib = JSON.parse(readFileSync(join(DIR, f), 'utf8'));
    const version = /^(\d+\.\d+)/.exec(lib.qemu)[1];
    if (!out.has(version)) out.set(version, new Map());
    for (const [target, p] of Object.entries(lib.probes ?? {})) {
      const t = out.get(version).get(target) ?? { migrated: new Set(), failed: new Map() };
      out.get(version).set(target, t);
      for (const d of p.migrated) t.migrated.add(d);
      // CPU models (probed as -cpu MODEL) are not device types.
      // A type several files failed keeps the reason of the probe that got furthest (a migration refused
      // over a start refused), and on a tie a reduced run's (a group file's) over a full run's: the reduced
      // runs gave the type what it needs (qemu-7.2-vhost.json's vhost-user-fs: blocked, not "missing tag").
      const group = !/^qemu-[\d.]+(-(aarch64|ppc64|s390x))?\.json$/.test(f);
      const rank = (why) => (why.startsWith('migrate:') ? 2 : 1) + (group ? 0.5 : 0);
      for (const [d, why] of Object.entries(p.failed)) {
        if (d.startsWith('-cpu ')) continue;
        if (!t.failed.has(d) || rank(why) > t.failed.get(d).rank) t.failed.set(d, { why, rank: rank(why) });
      }
    }
  }
  return out;
}

/**
 * vhost-user devices QEMU never migrates. The probe cannot start most of them (no back-end on these
 * hosts: "Failed to set msg fds."), which would file them as needing a host resource; but many have
 * as their own vmsd a bare `.unmigratable = 1` description (hw/virtio/vhost-user-input.c, -gpio.c,
 * -i2c.c, -rng.c, -vsock.c, …), which QEMU's -dump-vmstate (vmstate-dumps/, every machine of the
 * version) prints with neither fields nor subsections. With a back-end they would be blocked, so they
 * are filed so, with that reason. Keyed by the device type that carries the vmsd (the virtio device
 * of a -pci/-ccw proxy).
 */
export function unmigratable(version) {
  const out = new Map();
  const dumps = join(DIR, 'vmstate-dumps');
  if (!existsSync(dumps)) return out;
  for (const f of readdirSync(dumps).filter((x) => x.startsWith(`qemu-${version}-`))) {
    const dump = JSON.parse(gunzipSync(readFileSync(join(dumps, f))).toString('utf8'));
    for (const [type, v] of Object.entries(dump)) {
      const d = v.Description ?? {};
      if (/^vhost-user-/.test(type) && !d.Fields?.length && !d.Subsections?.length) out.set(type, d.name);
    }
  }
  return out;
}
export const vmsdHolder = (type, bare) => [type, `${type}-device`, type.replace(/-(pci|ccw)(-non-transitional|-transitional)?$/, ''),
  `${type.replace(/-(pci|ccw)(-non-transitional|-transitional)?$/, '')}-device`].find((t) => bare.has(t));

/**
 * QEMU crashes the probes met with a configuration QEMU accepts, not the probe's fault: the reproducer
 * a QEMU engineer would want, re-run on the versions named by src/format/qemu-crashes.test.ts (probe.mjs
 * records only the signal). Printed under their own heading.
 */
export const QEMU_CRASHES = [
  { types: 'pci-serial-2x', versions: '7.2, 10.0, 11.1',
    command: 'qemu-system-x86_64 -M pc -nodefaults -display none -S -chardev null,id=c1 -chardev null,id=c2 -device pci-serial-2x,chardev1=c1,chardev2=c2 -qmp stdio, then migrate to "exec:cat > /dev/null"',
    crash: 'SIGSEGV in timer_pending() under vmstate_save_state_v() (qemu_savevm_state_complete_precopy_non_iterable, gdb on 7.2), with every port given a chardev. '
      + 'hw/char/serial-pci-multi.c: pci-serial-2x and -4x share one vmsd, pci-serial-multi, whose VMSTATE_STRUCT_ARRAY saves PCI_SERIAL_MAX_PORTS (4) SerialStates, '
      + 'but the 2x initializes and realizes only 2; the unrealized ports\' fifo_timeout_timer is NULL when the serial vmsd\'s subsection test reads it. pci-serial-4x migrates.' },
  { types: 'nvme (nvme-ns)', versions: '11.1 (7.2 and 10.0 block nvme\'s migration)',
    command: 'qemu-system-x86_64 -M pc -nodefaults -display none -S -device nvme,serial=x -qmp stdio (or with -device nvme-subsys and nvme-ns,bus=… namespaces only), then migrate',
    crash: 'SIGSEGV during migration; a controller with a drive= of its own migrates, with or without nvme-ns beside it (the probes\' retry rule nvme-ctrl-drive, the nvme-q35 fixtures).' },
];

/** Every (version, type) no library of the version migrated on some target, with where and why. */
export function uncovered() {
  const rows = [];
  for (const [version, targets] of records()) {
    // One row per type and message: a type can fail differently on different targets.
    const byType = new Map();
    const bare = unmigratable(version);
    for (const [target, t] of targets) {
      for (const [type, { why: probeSaid }] of t.failed) {
        if (t.migrated.has(type)) continue;
        let why = probeSaid;
        let cls = classify(type, why).id;
        if (cls === 'host' && vmsdHolder(type, bare)) {
          cls = 'blocked';
          why = `${withoutArgs(probeSaid)} (QEMU would block it anyway: its vmsd is .unmigratable, no fields in -dump-vmstate)`;
        }
        const key = `${type}\n${why}`;
        const row = byType.get(key) ?? { version, type, targets: [], why, cls, elsewhere: [] };
        row.targets.push(target);
        byType.set(key, row);
      }
    }
    for (const row of byType.values()) {
      row.elsewhere = [...targets].filter(([, t]) => t.migrated.has(row.type)).map(([target]) => target);
      rows.push(row);
    }
  }
  return rows.sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }) || a.type.localeCompare(b.type));
}

export function markdown() {
  const rows = uncovered();
  const L = ['# Device types the libraries do not cover (generated)', '',
    'Made by `node scripts/library/not-covered.mjs` from the probe records of every library file of each QEMU',
    'version (src/format/vmdesc-library/qemu-<v>*.json): a device type of `-device help` that no probe of the',
    'version migrated on the targets below, with the reason class and QEMU\'s message on the first target (the',
    'probe\'s stage, then QEMU\'s words). "Migrates on" names the targets of the same version where it did',
    'migrate (its layout is in the library). Do not edit by hand.', '', '## Reason classes', ''];
  for (const c of CLASSES) L.push(`- \`${c.id}\`: ${c.text} — ${rows.filter((r) => r.cls === c.id).length} rows`);
  L.push('', '## QEMU crashes with a configuration QEMU accepts', '',
    'Not the probe\'s fault: each crashes as below on the versions named (the rows of class `crashed` show what the probe saw).', '');
  for (const c of QEMU_CRASHES) L.push(`- **${c.types}** (QEMU ${c.versions}): \`${c.command}\` → ${c.crash}`);
  for (const version of [...new Set(rows.map((r) => r.version))]) {
    const mine = rows.filter((r) => r.version === version);
    L.push('', `## QEMU ${version} (${new Set(mine.map((r) => r.type)).size} device types)`, '');
    for (const c of CLASSES) {
      const inClass = mine.filter((r) => r.cls === c.id);
      if (!inClass.length) continue;
      L.push(`### ${c.id}: ${c.text}`, '', '| device type | targets | migrates on | QEMU says |', '|---|---|---|---|');
      // Rows that differ only in the device named in QEMU's message share a line (the many board
      // devices whose bus a machine lacks).
      const lines = new Map();
      for (const r of inClass) {
        const why = withoutArgs(r.why).replaceAll(`'${r.type}'`, "'…'").replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, 160);
        const key = `${r.targets.join(', ')} | ${r.elsewhere.join(', ') || '—'} | ${why}`;
        lines.set(key, [...(lines.get(key) ?? []), r.type]);
      }
      for (const [key, types] of lines) L.push(`| ${types.join(', ')} | ${key} |`);
      L.push('');
    }
  }
  return L.join('\n').replace(/\n+$/, '\n');
}

/** Short names of the classes for the READMEs' paragraph. */
const BRIEF = { blocked: 'that QEMU blocks from migrating', crashed: 'on which QEMU crashed or hung', xen: 'Xen only', host: 'that need a host resource',
  place: 'with no place on the probe machines (their bus is absent, or they cannot be plugged there)', config: 'that need a value the generic probe does not give' };

/**
 * The "Not covered" paragraph of the READMEs of QEMU VERSION's library files (readme.mjs writes it
 * at generation, and this script rewrites it in every README on each run, so it stays true as group
 * files add devices): from the same rows as NOT-COVERED.md, the count per class and the device types
 * that need a host resource or are Xen only (the ones a reader of a library wonders about).
 */
export function notCoveredParagraph(version, rows = uncovered()) {
  const mine = rows.filter((r) => r.version === version);
  // A type counts once, under the class of its first row (rows are per type and message); a type
  // that migrated on another target is covered there and only counted.
  const elsewhere = new Set(mine.filter((r) => r.elsewhere.length).map((r) => r.type));
  const cls = new Map();
  for (const r of mine) if (!cls.has(r.type) && !elsewhere.has(r.type)) cls.set(r.type, r.cls);
  const of = (id) => [...cls].filter(([, c]) => c === id).map(([t]) => t).sort();
  const counts = CLASSES.map((c) => [c.id, of(c.id).length]).filter(([, n]) => n).map(([id, n]) => `${n} ${BRIEF[id]}`);
  const L = [`Not covered (generated by scripts/library/not-covered.mjs from the probe records of every QEMU ${version} library file): ${cls.size} device types of \`-device help\` migrated on no probe target; ${counts.join(', ')}. ${elsewhere.size} more migrated on some targets only.`];
  if (of('host').length) L.push(`Those that need a host resource: ${of('host').join(', ')}.`);
  if (of('xen').length) L.push(`The Xen-only ones: ${of('xen').join(', ')}.`);
  L.push('NOT-COVERED.md has every one with its targets and QEMU\'s message.');
  // Wrapped at 110 columns like the rest of the READMEs.
  const words = L.join(' ').split(' ');
  const lines = [''];
  for (const w of words) lines[lines.length - 1].length + w.length + 1 > 110 && lines[lines.length - 1] ? lines.push(w) : (lines[lines.length - 1] += (lines[lines.length - 1] ? ' ' : '') + w);
  return lines.join('\n');
}

/** Every README of the library files, with the QEMU version it belongs to (README.md: 7.2's full run). */
function readmes() {
  return readdirSync(DIR).filter((f) => /^README(-qemu-[\d.]+(-[a-z0-9_]+)?)?\.md$/.test(f)).map((f) => ({ file: join(DIR, f), version: /^README-qemu-(\d+\.\d+)/.exec(f)?.[1] ?? '7.2' }));
}

/** README TEXT with its "Not covered" paragraph (up to the next blank line) replaced by PARAGRAPH. */
export function withParagraph(text, paragraph) {
  const start = text.search(/^Not covered\b/m);
  if (start < 0) return text;
  const end = text.indexOf('\n\n', start);
  return text.slice(0, start) + paragraph + (end < 0 ? '\n' : text.slice(end));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = markdown();
  const rows = uncovered();
  const updated = readmes().map((r) => ({ ...r, text: withParagraph(readFileSync(r.file, 'utf8'), notCoveredParagraph(r.version, rows)) }));
  if (process.argv.includes('--check')) {
    const stale = [...(readFileSync(OUT, 'utf8') !== text ? [OUT] : []), ...updated.filter((r) => readFileSync(r.file, 'utf8') !== r.text).map((r) => r.file)];
    if (stale.length) {
      console.error(`out of date: ${stale.join(', ')}: run node scripts/library/not-covered.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    for (const r of updated) writeFileSync(r.file, r.text);
    console.error(`wrote ${OUT}: ${rows.length} rows, and the "Not covered" paragraph of ${updated.length} READMEs`);
  }
}
