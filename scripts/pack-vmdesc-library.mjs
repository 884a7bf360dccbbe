#!/usr/bin/env node
// Packs the generated description libraries (src/format/vmdesc-library/qemu-<version>.json and
// qemu-<version>-<arch>.json, made by make-vmdesc-library.mjs) into what the app loads lazily: one gzip
// file per QEMU version and architecture, public/library/qemu-<version>-<arch>.json.gz, and
// public/library/index.json listing them. A variant belongs to an architecture when a probe of one of
// its targets saw it ("x86_64-pc:…"). Every file of a version that covers an architecture
// (qemu-7.2.json, qemu-7.2-aarch64.json, qemu-7.2-run.json, …) goes into that architecture's packed
// file (scripts/library/pack-merge.mjs).
// Each packed file also carries `vmstate`: the -dump-vmstate facts of that QEMU for the machines of
// the architecture (src/format/vmdesc-library/vmstate-dumps, scripts/library/vmstate-facts.mjs):
// version ids, minimum version ids and subsection names per vmsd, which tell which QEMU wrote a file.
// Buffers whose length QEMU writes in an earlier field (swtpm's state blobs) name that field instead
// of the probe's size (scripts/library/variable-lengths.mjs).
// Then the per-architecture shelves (scripts/pack-library-shelves.ts).
// Usage: node scripts/pack-vmdesc-library.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { mergePacked } from './library/pack-merge.mjs';
import { withVariableLengths } from './library/variable-lengths.mjs';
import { dumpMachine, vmstateFacts } from './library/vmstate-facts.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(root, 'src/format/vmdesc-library');
const DUMPS = join(SRC, 'vmstate-dumps');
const OUT = join(root, 'public/library');
/** -dump-vmstate machine label (dump-vmstate.mjs) → architecture. */
const DUMP_ARCH = { pc: 'x86_64', q35: 'x86_64', virt: 'aarch64', pseries: 'ppc64', 's390-ccw-virtio': 's390x' };

const archOf = (seen) => seen.slice(0, seen.indexOf(':')).split('-')[0];

function forArch(lib, arch) {
  const keep = (v) => (v.seenIn ?? []).some((s) => archOf(s) === arch);
  const vmsds = {};
  for (const [name, e] of Object.entries(lib.vmsds)) {
    const versions = {};
    for (const [v, variants] of Object.entries(e.versions)) {
      const kept = variants.filter(keep).map((x) => ({ ...x, fields: withVariableLengths(name, x.fields) }));
      if (kept.length) versions[v] = kept;
    }
    if (Object.keys(versions).length) vmsds[name] = { ...e, versions };
  }
  const oldStyle = {};
  for (const [name, e] of Object.entries(lib.oldStyle ?? {})) {
    const variants = e.variants.filter(keep);
    if (variants.length) oldStyle[name] = { ...e, variants };
  }
  const targets = Object.fromEntries(Object.entries(lib.targets ?? {}).filter(([t]) => archOf(`${t}:`) === arch));
  // probes / duplicateKeyObjects are generation records (README), not needed to decode.
  return { qemu: lib.qemu, version: lib.version ?? /^(\d+\.\d+)/.exec(lib.qemu)[1], arch, targets, vmsds, idstrAliases: lib.idstrAliases, oldStyle };
}

/** Per version and architecture, the packed extract of every source file that covers it, merged. */
function sources() {
  const out = new Map();
  const files = readdirSync(SRC).filter((x) => /^qemu-[\d.]+(-[a-z0-9_]+)?\.json$/.test(x)).sort();
  for (const f of files) {
    const lib = JSON.parse(readFileSync(join(SRC, f), 'utf8'));
    const version = lib.version ?? /^(\d+\.\d+)/.exec(lib.qemu)[1];
    for (const arch of new Set(Object.keys(lib.targets ?? {}).map((t) => archOf(`${t}:`)))) {
      const k = `${version}/${arch}`;
      const have = out.get(k);
      const packed = forArch(lib, arch);
      out.set(k, have ? { ...have, packed: mergePacked(have.packed, packed), from: [...have.from, f] } : { packed, from: [f], version, arch });
    }
  }
  return [...out.values()].sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }) || a.arch.localeCompare(b.arch));
}

mkdirSync(OUT, { recursive: true });
const index = [];
for (const { packed, from, version, arch } of sources()) {
  const dumps = Object.entries(DUMP_ARCH).filter(([, a]) => a === arch).map(([m]) => join(DUMPS, `qemu-${version}-${m}.json.gz`)).filter(existsSync);
  if (dumps.length) {
    packed.vmstate = vmstateFacts(dumps);
    packed.vmstateMachines = dumps.map(dumpMachine);
  }
  const gz = gzipSync(JSON.stringify(packed), { level: 9 });
  const file = `qemu-${version}-${arch}.json.gz`;
  writeFileSync(join(OUT, file), gz);
  index.push({ version, arch, file, bytes: gz.length, vmsds: Object.keys(packed.vmsds).length });
  console.error(`${file}: ${gz.length} bytes, ${Object.keys(packed.vmsds).length} vmsds (from ${from.join(', ')}), ${Object.keys(packed.vmstate ?? {}).length} vmstate facts`);
}
writeFileSync(join(OUT, 'index.json'), JSON.stringify({ generatedBy: 'scripts/pack-vmdesc-library.mjs', libraries: index }, null, 1) + '\n');
// The page's worker fetches one file per architecture, every version on one packed shelf: remade
// from the files just written (TypeScript: the packer is the app's own, src/format/library-shelf.ts).
const shelves = spawnSync(process.execPath, [join(root, 'bin/tsx-run.js'), join(root, 'scripts/pack-library-shelves.ts')], { stdio: 'inherit' });
if (shelves.status !== 0) throw new Error('scripts/pack-library-shelves.ts failed');
