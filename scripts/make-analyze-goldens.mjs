#!/usr/bin/env node
// Records what QEMU's own scripts/analyze-migration.py prints for the migration streams of one
// fixture folder: NAME.analyze.json.gz (the script's exact stdout, gzipped) and analyze.json (which
// script, its SHA-256, and per file the result or the script's error). `--format analyze` is
// tested against these outputs (src/format/analyze-format.test.ts).
//
//   node scripts/make-analyze-goldens.mjs --dir public/fixtures/qemu10 \
//     --script /scratch/qemu-10.0.13/scripts/analyze-migration.py --source 'Debian trixie source package qemu 1:10.0.13+ds-0+deb13u1'
//
// The script is QEMU's (GPL), so it is never stored in this repository: take it from the Debian
// source package of the QEMU version that wrote the fixtures (apt-get source --download-only qemu
// in the chroot the fixtures were made in) and unpack it outside the repository.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from './lib/qemu.mjs';

const { values: args } = parseArgs({ options: {
  dir: { type: 'string' }, script: { type: 'string' }, source: { type: 'string' }, python: { type: 'string', default: 'python3' },
  files: { type: 'string' },
  // When the script of the fixtures' own QEMU cannot be had, an older one's outputs are kept under
  // another name (NAME.analyze-10.0.json.gz) so nobody takes them for the matching script's.
  suffix: { type: 'string', default: '' },
} });
if (!args.dir || !args.script || !args.source) throw new Error('usage: --dir FIXTURE_DIR --script analyze-migration.py --source "where the script came from" [--files a.bin,b.bin]');
const dir = resolve(REPO_ROOT, args.dir);
const script = resolve(args.script);
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** Streams that end with a JSON description: the only ones the script reads. */
function hasVmdesc(buf) {
  for (let j = buf.lastIndexOf('{"'); j >= 6; j = buf.lastIndexOf('{"', j - 1)) {
    if (buf[j - 5] === 0x06 && buf.readUInt32BE(j - 4) === buf.length - j) return true;
  }
  return false;
}

const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const names = args.files ? args.files.split(',') : manifest.fixtures.map((f) => f.file);
const results = {};
for (const file of names) {
  const buf = readFileSync(join(dir, file));
  if (buf.readUInt32BE(0) !== 0x5145564d || !hasVmdesc(buf)) continue;
  const golden = file.replace(/\.bin$/, `.analyze${args.suffix ? `-${args.suffix}` : ''}.json.gz`);
  const r = spawnSync(args.python, [script, '-f', file], { cwd: dir, maxBuffer: 1 << 30 });
  if (r.status === 0) {
    writeFileSync(join(dir, golden), gzipSync(r.stdout, { level: 9 }));
    results[file] = { ok: true, golden, stdoutSha256: sha256(r.stdout), stdoutBytes: r.stdout.length };
  } else {
    rmSync(join(dir, golden), { force: true });
    // The script re-raises every error with the whole JSON description appended: keep the first
    // exception's lines, shortened.
    const err = r.stderr.toString().split(script).join('analyze-migration.py').trim().split('\n').map((l) => l.slice(0, 200));
    const first = err.findIndex((l) => /^\w*(Exception|Error)\b/.test(l));
    results[file] = { ok: false, error: err[first] ?? err[0], traceback: err.slice(Math.max(0, first - 4), first + 1) };
  }
  console.log(`${file.padEnd(28)} ${results[file].ok ? `ok ${results[file].stdoutBytes} bytes` : results[file].error}`);
}
const out = join(dir, `analyze${args.suffix ? `-${args.suffix}` : ''}.json`);
const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).results : {};
writeFileSync(out, JSON.stringify({
  description: 'Golden stdout of QEMU\'s scripts/analyze-migration.py -f FILE for the streams here that carry a JSON description, gzipped; made by scripts/make-analyze-goldens.mjs',
  script: { name: basename(script), source: args.source, sha256: sha256(readFileSync(script)), python: spawnSync(args.python, ['--version']).stdout.toString().trim() },
  results: { ...(args.files ? previous : {}), ...results },
}, null, 2) + '\n');
