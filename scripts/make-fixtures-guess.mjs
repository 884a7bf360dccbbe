#!/usr/bin/env node
// Real QEMU 7.2 files where the bundled descriptions guess wrong (issue 10, defect 3), in
// public/fixtures/guess/ with manifest.json: device-state files (QMP xen-save-devices-state, as
// scripts/make-fixtures.mjs makes them: header, FULL sections with footers, EOF, no vmdesc) of
// machines whose devices the bundled library does not know in this shape, and a pseries migration
// stream (its spapr/htab section is what analyze-migration.py prints as "").
//
//   apt-get install -y --no-install-recommends qemu-system-arm qemu-system-ppc   (Debian bookworm: 7.2)
//   node scripts/make-fixtures-guess.mjs
//
// Every file is loaded back into a fresh QEMU with the same arguments (-incoming "exec:cat FILE",
// plus migration.send-configuration=off for device-state files); the result goes to the manifest.
// Guests never run (-S, TCG); RTC base fixed. Fails if QEMU is not 7.2 (ALLOW_ANY_QEMU=1 overrides).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startQemu, waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT, shQuote } from './lib/qemu.mjs';

const OUT_REL = 'public/fixtures/guess';
const OUT = resolve(REPO_ROOT, OUT_REL);
const ARM = 'qemu-system-aarch64';
const PPC = 'qemu-system-ppc64';
const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const log = (...a) => console.log('[guess]', ...a);

// virtio-rng-device on virtio-mmio: its virtio state differs in size from the virtio-rng-pci the
// bundled library was probed with. -seed 1: virt writes a random rng-seed into guest RAM otherwise.
const VIRT_GICV3 = ['-M', 'virt,gic-version=3', '-cpu', 'cortex-a57', '-m', '32', '-seed', '1', ...COMMON, '-device', 'virtio-rng-device'];
// pseries: spapr_nvram and the other spapr sections are not in the bundled (x86/arm) library.
const PSERIES = ['-M', 'pseries', '-m', '256', ...COMMON];

const FIXTURES = [
  { file: 'virt-gicv3-devstate.bin', kind: 'devstate', binary: ARM, args: VIRT_GICV3 },
  { file: 'pseries-devstate.bin', kind: 'devstate', binary: PPC, args: PSERIES },
  { file: 'pseries-migration.bin', kind: 'migration', binary: PPC, args: PSERIES },
];

function qemuVersion(binary) {
  const out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const v = /QEMU emulator version (\S+)/.exec(out)?.[1] ?? '?';
  if (!v.startsWith('7.2.') && !process.env.ALLOW_ANY_QEMU) throw new Error(`${binary} is QEMU ${v}; these fixtures must be made with QEMU 7.2`);
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

async function make(spec) {
  const q = await startQemu(spec.binary, spec.args, { cwd: REPO_ROOT });
  const qmp = [];
  try {
    if (spec.kind === 'devstate') {
      qmp.push({ execute: 'xen-save-devices-state', arguments: { filename: `${OUT_REL}/${spec.file}`, live: false } });
      await q.qmp.execute('xen-save-devices-state', { filename: `${OUT_REL}/${spec.file}`, live: false });
    } else {
      qmp.push({ execute: 'migrate', arguments: { uri: `exec:cat > ${OUT_REL}/${spec.file}` } });
      await q.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      await q.qmp.execute('migrate', { uri: `exec:cat > ${OUT_REL}/${spec.file}` });
      const st = await waitForMigration(q.qmp);
      if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}`);
    }
  } finally {
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
    q.qmp.close();
  }
  chmodSync(join(OUT, spec.file), 0o644);
  return qmp;
}

async function loadBack(spec) {
  const extra = spec.kind === 'devstate' ? ['-global', 'migration.send-configuration=off'] : [];
  const args = [...spec.args, ...extra, '-incoming', `exec:cat ${OUT_REL}/${spec.file}`];
  let q;
  try {
    q = await startQemu(spec.binary, args, { cwd: REPO_ROOT });
  } catch (e) {
    return { ok: false, status: 'exited', stderr: String(e.stderr ?? e.message).trim() };
  }
  let status = 'exited';
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const info = await q.qmp.execute('query-migrate');
      if (['completed', 'failed'].includes(info.status) || Date.now() > deadline) { status = info.status ?? 'timeout'; break; }
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch { /* QEMU exited during the load */ }
  await q.qmp.execute('quit').catch(() => {});
  await q.exited;
  q.qmp.close();
  return { ok: status === 'completed', status, extraArgs: [...extra, '-incoming', 'exec:cat FILE'], stderr: q.stderr().trim() || undefined };
}

async function main() {
  const versions = { [ARM]: qemuVersion(ARM), [PPC]: qemuVersion(PPC) };
  mkdirSync(OUT, { recursive: true });
  const entries = [];
  for (const spec of FIXTURES) {
    rmSync(join(OUT, spec.file), { force: true });
    log(`making ${spec.file}`);
    const qmp = await make(spec);
    const buf = readFileSync(join(OUT, spec.file));
    const loadResult = await loadBack(spec);
    entries.push({ file: spec.file, kind: spec.kind, binary: spec.binary, qemuVersion: versions[spec.binary], args: spec.args,
      commandLine: [spec.binary, ...spec.args].map(shQuote).join(' '), qmp, size: buf.length, sha256: sha256(buf), loadsBack: loadResult.ok, loadResult });
    log(`${spec.file} ${buf.length} bytes, loadsBack=${loadResult.ok}`);
  }
  writeFileSync(join(OUT, 'manifest.json'), JSON.stringify({
    description: 'Real QEMU 7.2 files the bundled descriptions do not fit (made by scripts/make-fixtures-guess.mjs): device-state files with footers, so every section is delimited by its footer whatever the descriptions guess, and a pseries migration stream with spapr/htab.',
    qemuVersions: versions,
    fixtures: entries,
  }, null, 2) + '\n');
  if (entries.some((e) => !e.loadsBack)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`make-fixtures-guess: ${e.stack ?? e.message}`);
  process.exit(1);
});
