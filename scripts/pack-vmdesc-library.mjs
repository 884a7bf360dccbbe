#!/usr/bin/env node
// Packs the generated description libraries (src/format/vmdesc-library/qemu-<version>.json, made by
// make-vmdesc-library.mjs) into what the app loads lazily: one gzip file per QEMU version and
// architecture, public/library/qemu-<version>-<arch>.json.gz, and public/library/index.json listing
// them. A variant belongs to an architecture when a probe of one of its targets saw it ("x86_64-pc:…").
// Usage: node scripts/pack-vmdesc-library.mjs   (only node built-ins)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(root, 'src/format/vmdesc-library');
const OUT = join(root, 'public/library');

const archOf = (seen) => seen.slice(0, seen.indexOf(':')).split('-')[0];

function forArch(lib, arch) {
  const keep = (v) => (v.seenIn ?? []).some((s) => archOf(s) === arch);
  const vmsds = {};
  for (const [name, e] of Object.entries(lib.vmsds)) {
    const versions = {};
    for (const [v, variants] of Object.entries(e.versions)) {
      const kept = variants.filter(keep);
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

mkdirSync(OUT, { recursive: true });
const index = [];
for (const f of readdirSync(SRC).filter((x) => /^qemu-[\d.]+\.json$/.test(x)).sort()) {
  const lib = JSON.parse(readFileSync(join(SRC, f), 'utf8'));
  const arches = [...new Set(Object.keys(lib.targets ?? {}).map((t) => archOf(`${t}:`)))].sort();
  for (const arch of arches) {
    const packed = forArch(lib, arch);
    const gz = gzipSync(JSON.stringify(packed), { level: 9 });
    const file = `qemu-${packed.version}-${arch}.json.gz`;
    writeFileSync(join(OUT, file), gz);
    index.push({ version: packed.version, arch, file, bytes: gz.length, vmsds: Object.keys(packed.vmsds).length });
    console.error(`${file}: ${gz.length} bytes, ${Object.keys(packed.vmsds).length} vmsds`);
  }
}
writeFileSync(join(OUT, 'index.json'), JSON.stringify({ generatedBy: 'scripts/pack-vmdesc-library.mjs', libraries: index }, null, 1) + '\n');
