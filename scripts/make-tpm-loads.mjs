#!/usr/bin/env node
// What real QEMU says when a TPM device-state file of one version is loaded into another (issue 12's
// compatibility check is tested against such verdicts): each device-state file with footers of
// scripts/make-tpm-fixtures.mjs, written by QEMU A, loaded into QEMU B (every ordered pair of 7.2,
// 10.0 and 11.1) on the same command line, with a fresh swtpm of B's Debian release behind it
// (scripts/lib/tpm-load.mjs, which src/cli/compat-tpm-reload.test.ts re-runs where CI has the
// target). Verdicts and QEMU's messages go to public/fixtures/tpm/loads.json.
//
// Usage (as root: chroot(2); package swtpm on the host and in both chroots):
//   node scripts/make-tpm-loads.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { QEMUS, REPO_ROOT } from './lib/qemu.mjs';
import { loadTpmDevstate } from './lib/tpm-load.mjs';

const DIR = resolve(REPO_ROOT, 'public/fixtures/tpm');

const loads = [];
for (const from of QEMUS) {
  const manifest = JSON.parse(readFileSync(join(DIR, `qemu-${from.version}`, 'manifest.json'), 'utf8'));
  for (const f of manifest.fixtures.filter((x) => x.kind === 'devstate' && x.footers)) {
    for (const to of QEMUS.filter((q) => q !== from)) {
      const r = await loadTpmDevstate(gunzipSync(readFileSync(join(DIR, `qemu-${from.version}`, f.file))), f.binary, f.args, { chroot: to.chroot });
      loads.push({ from: from.version, to: to.version, file: `qemu-${from.version}/${f.file}`, machine: f.machine, ok: r.status === 'completed', ...r });
      console.error(`${from.version} -> ${to.version} ${f.file}: ${r.status}${r.status === 'completed' ? '' : ` (${r.messages[0] ?? ''})`}`);
    }
  }
}
writeFileSync(join(DIR, 'loads.json'), JSON.stringify({
  generatedBy: 'scripts/make-tpm-loads.mjs',
  recipe: 'the file with its own command line, -global migration.send-configuration=off -incoming "exec:cat FILE", a fresh swtpm of the target\'s Debian release on the chardev socket',
  loads }, null, 1) + '\n');
