#!/usr/bin/env node
// What real QEMU says when a TPM device-state file of one version is loaded into another (issue 12's
// compatibility check is tested against such verdicts): each device-state file with footers of
// scripts/make-tpm-fixtures.mjs, written by QEMU A, loaded into QEMU B (every ordered pair of 7.2,
// 10.0 and 11.1) on the same command line, with a fresh swtpm of B's Debian release behind it (the
// TPM state travels in the file: QEMU hands the blobs to that swtpm in its post_load). The recipe of
// scripts/lib/compat-qemu.mjs load(): `-incoming exec:cat FILE`, send-configuration=off, the target's
// own machine type (a device-state file names none). Verdicts and QEMU's messages go to
// public/fixtures/tpm/loads.json.
//
// Usage (as root: chroot(2); package swtpm on the host and in both chroots):
//   node scripts/make-tpm-loads.mjs
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { QEMUS, REPO_ROOT, startQemu } from './lib/qemu.mjs';
import { startSwtpm } from './lib/swtpm.mjs';

const DIR = resolve(REPO_ROOT, 'public/fixtures/tpm');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FILE = '/tmp/tpm-loads-input.bin';
const SOCKET = '/tmp/tpm-fixtures-swtpm.sock'; // the fixtures' command lines name it
const ZERO_BIOS = '/tmp/tpm-fixtures-bios.bin';

/** QEMU's stderr lines without the program name, as scripts/lib/compat-qemu.mjs load() records them. */
const qemuMessages = (text) => text.split('\n').map((l) => l.replace(/^(\S*qemu-system-[a-z0-9_]+: )+/, '').trim()).filter((l) => l && !/terminating on signal|^\(\S+ (exited|killed)/.test(l));

/** Loads FILE into QEMU TO with ARGS; resolves { status, messages } once the incoming migration ends or QEMU exits. */
async function load(to, binary, args) {
  const swtpm = await startSwtpm(SOCKET, { chroot: to.chroot });
  try {
    const q = await startQemu(binary, [...args, '-global', 'migration.send-configuration=off', '-incoming', `exec:cat ${FILE}`], { chroot: to.chroot ?? undefined }).catch((e) => ({ error: e }));
    // QEMU may fail the load and exit before QMP is up: its stderr comes with the error.
    if (q.error) return { status: 'exited', exitCode: q.error.exitCode ?? null, messages: qemuMessages(q.error.stderr ?? q.error.message) };
    let status = 'timeout';
    try {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
        const info = await Promise.race([q.qmp.execute('query-migrate'), q.exited.then(() => ({ status: 'exited' }))]);
        if (['completed', 'failed', 'exited'].includes(info.status)) {
          status = info.status;
          break;
        }
      }
    } catch {
      status = 'exited';
    }
    // A failed load ends with QEMU printing why and exiting: wait for that before reading stderr.
    if (status !== 'completed') await Promise.race([q.exited, sleep(10_000)]);
    await q.close();
    return { status, ...(status === 'exited' ? { exitCode: q.exitCode() } : {}), messages: qemuMessages(q.stderr()) };
  } finally {
    await swtpm.stop();
    rmSync(join(to.chroot ?? '', '/tmp/tpm-fixtures.ram'), { force: true });
  }
}

const loads = [];
for (const from of QEMUS) {
  const manifest = JSON.parse(readFileSync(join(DIR, `qemu-${from.version}`, 'manifest.json'), 'utf8'));
  for (const f of manifest.fixtures.filter((x) => x.kind === 'devstate' && x.footers)) {
    for (const to of QEMUS.filter((q) => q !== from)) {
      const host = (p) => join(to.chroot ?? '', p);
      mkdirSync(host('/tmp'), { recursive: true });
      writeFileSync(host(FILE), gunzipSync(readFileSync(join(DIR, `qemu-${from.version}`, f.file))));
      writeFileSync(host(ZERO_BIOS), Buffer.alloc(65536));
      const r = await load(to, f.binary, f.args);
      loads.push({ from: from.version, to: to.version, file: `qemu-${from.version}/${f.file}`, machine: f.machine, ok: r.status === 'completed', ...r });
      console.error(`${from.version} -> ${to.version} ${f.file}: ${r.status}${r.status === 'completed' ? '' : ` (${r.messages[0] ?? ''})`}`);
      rmSync(host(FILE), { force: true });
      rmSync(host(ZERO_BIOS), { force: true });
    }
  }
}
writeFileSync(join(DIR, 'loads.json'), JSON.stringify({
  generatedBy: 'scripts/make-tpm-loads.mjs',
  recipe: 'the file with its own command line, -global migration.send-configuration=off -incoming "exec:cat FILE", a fresh swtpm of the target\'s Debian release on the chardev socket',
  loads }, null, 1) + '\n');
