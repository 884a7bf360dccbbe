#!/usr/bin/env node
// Makes pairs of state files for the comparison (issue #13) with the real QEMU 7.2 in
// public/fixtures/diff/, and public/fixtures/diff/manifest.json describing each pair:
//
//   node scripts/make-diff-fixtures.mjs
//
// - cmos: one paused pc guest (-S, TCG, -rtc clock=vm: nothing moves while it stays paused)
//   saved with xen-save-devices-state before and after HMP `o /b 0x70 0x3f` + `o /b 0x71 0x5a`
//   (RTC index register 0x3f, then CMOS byte 0x3f = 0x5a); the streams come from two QEMUs with
//   the same command line, one migrated as started, one after the same two writes.
//   Every byte that differs is recorded with `cmp -l` (the oracle), and the field that holds it
//   as named by this project's decoder (`inspect --json`; a reader's aid, not the oracle).
// - colo: the "after" device-state file without its 8-byte QEVM header, as a COLO checkpoint
//   buffer is framed (migration/colo.c), to compare against the "before" device-state file.
// - regs: a guest that runs a 6-byte boot sector (xor ax,ax; inc eax; jmp back), saved twice
//   with the guest running in between; HMP `info registers` is recorded before each save.
//   Device-state files and migration streams (whose RAM differs where the guest ran).
// - qemu10: with QEMU10_ROOT set to a Debian trixie chroot with qemu-system-x86 (QEMU 10.0; see
//   scripts/make-fixtures-qemu10.mjs for making it), the cmos guest's command line with the
//   machine type 7.2 resolves to (pc-i440fx-7.2) is saved by QEMU 10.0 as it starts, against
//   cmos-before*.bin saved by 7.2: a device-state file and a migration stream. Runs as root
//   (chroot(2)); mounts proc in the chroot when needed and unmounts it again.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loggedQmp, Qmp, waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT, startQemu } from './lib/qemu.mjs';

const DIR_REL = 'public/fixtures/diff';
const DIR = resolve(REPO_ROOT, DIR_REL);
const X86 = 'qemu-system-x86_64';
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log('[diff-fixtures]', ...a);

const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const CMOS_VM = ['-M', 'pc', '-m', '32', '-smp', '1', ...COMMON,
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0', '-device', 'e1000,mac=52:54:00:12:34:56,romfile='];
const BOOT = 'regs-boot.img';
const REGS_VM = ['-M', 'pc', '-m', '32', '-smp', '1', ...COMMON, '-drive', `file=${DIR_REL}/${BOOT},format=raw,if=ide`];
const CMOS_WRITES = ['o /b 0x70 0x3f', 'o /b 0x71 0x5a'];

function qemuVersion() {
  const out = execFileSync(X86, ['--version'], { encoding: 'utf8' });
  const v = /QEMU emulator version (\S+)/.exec(out)?.[1] ?? '?';
  if (!v.startsWith('7.2.') && !process.env.ALLOW_ANY_QEMU) throw new Error(`${X86} is QEMU ${v}; the pairs must be made with QEMU 7.2 (ALLOW_ANY_QEMU=1 overrides)`);
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

/** A 512-byte boot sector: xor ax,ax; loop: inc eax; jmp loop; then the 55 AA signature. */
function bootSector() {
  const b = Buffer.alloc(512);
  Buffer.from([0x31, 0xc0, 0x66, 0x40, 0xeb, 0xfc]).copy(b, 0);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

async function withQemu(args, fn) {
  const q = await startQemu(X86, args, { cwd: REPO_ROOT });
  const { run, log: steps } = loggedQmp(q);
  const hmp = (line) => run('human-monitor-command', { 'command-line': line });
  try {
    const out = await fn({ run, hmp, steps, q });
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
    return { steps, ...out };
  } catch (e) {
    q.proc.kill('SIGKILL');
    throw new Error(`${e.message}\n${q.stderr()}`);
  }
}

const devstate = (run, file) => run('xen-save-devices-state', { filename: `${DIR_REL}/${file}`, live: false });

async function migrate(run, qmp, steps, file) {
  await run('migrate', { uri: `exec:cat > ${DIR_REL}/${file}` });
  steps.push({ execute: 'query-migrate', repeated: 'until status "completed"' });
  const st = await waitForMigration(qmp);
  if (st.status !== 'completed') throw new Error(`${file}: migration ${st.status}: ${st['error-desc'] ?? ''}`);
}

/** `cmp -l A B`: every differing byte (offsets 0-based here; cmp prints 1-based, octal values). */
function cmpBytes(a, b) {
  const r = spawnSync('cmp', ['-l', resolve(DIR, a), resolve(DIR, b)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status === 2 && !/EOF/.test(r.stderr)) throw new Error(`cmp failed: ${r.stderr}`);
  const bytes = r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const [off, x, y] = l.trim().split(/\s+/);
    return { offset: Number(off) - 1, left: parseInt(x, 8), right: parseInt(y, 8) };
  });
  return { bytes, sizes: r.stderr.includes('EOF') ? r.stderr.trim() : null };
}

/** Names the leaf holding each offset, with this project's decoder (for readers of the manifest). */
function nameFields(file, bytes) {
  const json = JSON.parse(execFileSync('node', ['bin/vmstate-explorer.js', 'inspect', `${DIR_REL}/${file}`, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 }));
  const leaves = [];
  const walk = (nodes) => { for (const n of nodes ?? []) (n.children?.length ? walk(n.children) : leaves.push(n)); };
  for (const s of json.sections) walk(s.fields);
  return bytes.map((b) => {
    const n = leaves.find((l) => b.offset >= l.offset && b.offset < l.offset + l.size);
    const field = !n ? null : n.size > 1 && typeof n.value === 'string' && /^[0-9a-f]*$/.test(n.value) ? `${n.path}[${b.offset - n.offset}]` : n.path;
    return { ...b, field };
  });
}

/** The bytes with their fields when they are few (nothing shifted), else how many. */
function cmpRecord(left, d) {
  return d.bytes.length <= 1000 ? { ...d, bytes: nameFields(left, d.bytes) } : { differingBytes: d.bytes.length, sizes: d.sizes };
}

function entry(file, extra = {}) {
  const buf = readFileSync(resolve(DIR, file));
  chmodSync(resolve(DIR, file), 0o644);
  return { file, size: buf.length, sha256: sha256(buf), ...extra };
}

async function cmosPair() {
  log('cmos: device-state files');
  const dev = await withQemu(CMOS_VM, async ({ run, hmp }) => {
    await devstate(run, 'cmos-before.bin');
    for (const c of CMOS_WRITES) await hmp(c);
    await devstate(run, 'cmos-after.bin');
    return {};
  });
  // QEMU refuses a second migration of a guest paused by the first ("Can't migrate the vm that
  // was paused due to previous migration"): each stream comes from its own QEMU with the same
  // command line; a paused guest that never ran is the same in both (make-fixtures.mjs reruns
  // give identical bytes).
  log('cmos: migration streams');
  const migSteps = [];
  for (const [file, writes] of [['cmos-before-migration.bin', []], ['cmos-after-migration.bin', CMOS_WRITES]]) {
    const m = await withQemu(CMOS_VM, async ({ run, hmp, steps, q }) => {
      await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      for (const c of writes) await hmp(c);
      await migrate(run, q.qmp, steps, file);
      return {};
    });
    migSteps.push({ file, qmp: m.steps });
  }
  const mig = { steps: migSteps };
  const devDiff = cmpBytes('cmos-before.bin', 'cmos-after.bin');
  const migDiff = cmpBytes('cmos-before-migration.bin', 'cmos-after-migration.bin');
  return [
    { name: 'cmos-devstate', kind: 'devstate', args: CMOS_VM, qmp: dev.steps, hmpBetween: CMOS_WRITES, left: entry('cmos-before.bin'), right: entry('cmos-after.bin'),
      cmp: { ...devDiff, bytes: nameFields('cmos-before.bin', devDiff.bytes) } },
    { name: 'cmos-migration', kind: 'migration', args: CMOS_VM, qmp: mig.steps, hmpBetween: CMOS_WRITES, note: 'each file from its own QEMU with the same command line (qmp lists both runs)', left: entry('cmos-before-migration.bin'), right: entry('cmos-after-migration.bin'),
      // The RAM section splits into PART records where the migration thread's time slices end,
      // which can differ by run: then the bytes shift and only their count is kept.
      cmp: cmpRecord('cmos-before-migration.bin', migDiff) },
  ];
}

function coloPair() {
  const after = readFileSync(resolve(DIR, 'cmos-after.bin'));
  if (after.readUInt32BE(0) !== 0x5145564d) throw new Error('cmos-after.bin has no QEVM header');
  writeFileSync(resolve(DIR, 'cmos-after-colo.bin'), after.subarray(8));
  return { name: 'colo-vs-devstate', kind: 'colo', left: entry('cmos-before.bin'), right: entry('cmos-after-colo.bin'),
    derivation: 'cmos-after-colo.bin is cmos-after.bin without its first 8 bytes (QEVM magic, version 3): the framing of a COLO checkpoint buffer (migration/colo.c, qemu_save_device_state)' };
}

async function regsPair() {
  writeFileSync(resolve(DIR, BOOT), bootSector());
  const pairs = [];
  for (const kind of ['devstate', 'migration']) {
    log(`regs: ${kind}`);
    const sfx = kind === 'devstate' ? '' : '-migration';
    const made = await withQemu(REGS_VM, async ({ run, hmp, steps, q }) => {
      const regs = [];
      for (const [i, file] of [`regs-1${sfx}.bin`, `regs-2${sfx}.bin`].entries()) {
        await run('cont');
        await sleep(i === 0 ? 1500 : 300); // first: SeaBIOS boots the sector; then the loop runs
        await run('stop');
        steps.push({ sleptMs: i === 0 ? 1500 : 300, before: 'stop' });
        regs.push(await hmp('info registers'));
        if (kind === 'devstate') await devstate(run, file);
        else {
          await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
          await migrate(run, q.qmp, steps, file);
        }
      }
      return { regs };
    });
    const [l, r] = [`regs-1${sfx}.bin`, `regs-2${sfx}.bin`];
    writeFileSync(resolve(DIR, l.replace(/\.bin$/, '.registers.txt')), made.regs[0]);
    writeFileSync(resolve(DIR, r.replace(/\.bin$/, '.registers.txt')), made.regs[1]);
    const d = cmpBytes(l, r);
    pairs.push({ name: `regs-${kind}`, kind, args: REGS_VM, qmp: made.steps, inputs: [BOOT],
      left: entry(l, { registers: l.replace(/\.bin$/, '.registers.txt') }), right: entry(r, { registers: r.replace(/\.bin$/, '.registers.txt') }),
      cmp: cmpRecord(l, d) });
  }
  return pairs;
}

const ROOT10 = process.env.QEMU10_ROOT ? resolve(process.env.QEMU10_ROOT) : null;
const WORK10 = '/tmp/vmstate-diff10'; // inside the chroot

/** QEMU 10.0 in the chroot: `chroot ROOT qemu-system-x86_64 ARGS -qmp unix:WORK10/qmp.sock`. */
async function startQemu10(args) {
  const sockIn = `${WORK10}/qmp.sock`;
  const sock = join(ROOT10, sockIn);
  rmSync(sock, { force: true });
  const proc = spawn('chroot', [ROOT10, X86, ...args, '-qmp', `unix:${sockIn},server=on,wait=off`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => (stderr += d));
  let code = null;
  const exited = new Promise((res) => proc.on('exit', (c, sig) => res((code = c ?? (sig ? 128 : -1)))));
  for (const deadline = Date.now() + 20_000; !existsSync(sock);) {
    if (code !== null || Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`QEMU 10.0 did not start: ${stderr}`); }
    await sleep(20);
  }
  const qmp = await Qmp.connect(sock, 20_000, { abort: () => code !== null });
  return { qmp, proc, exited, stderr: () => stderr };
}

async function qemu10Pairs() {
  if (!ROOT10) return [];
  const version = execFileSync('chroot', [ROOT10, X86, '--version'], { encoding: 'utf8' }).split('\n')[0].replace(/^QEMU emulator version /, '');
  if (!version.startsWith('10.0.') && !process.env.ALLOW_ANY_QEMU) throw new Error(`${ROOT10}: QEMU ${version}, expected 10.0`);
  let unmount = () => {};
  if (!existsSync(join(ROOT10, 'proc/self'))) {
    execFileSync('mount', ['-t', 'proc', 'proc', join(ROOT10, 'proc')]);
    unmount = () => spawnSync('umount', [join(ROOT10, 'proc')]);
  }
  const args = CMOS_VM.map((a) => (a === 'pc' ? 'pc-i440fx-7.2' : a));
  try {
    rmSync(join(ROOT10, WORK10), { recursive: true, force: true });
    mkdirSync(join(ROOT10, WORK10), { recursive: true });
    const out = [];
    for (const [kind, file, left] of [['devstate', 'qemu10-devstate.bin', 'cmos-before.bin'], ['migration', 'qemu10-migration.bin', 'cmos-before-migration.bin']]) {
      log(`qemu10: ${kind}`);
      const q = await startQemu10(args);
      const steps = [];
      try {
        const run = (execute, a) => (steps.push({ execute, arguments: a }), q.qmp.execute(execute, a));
        if (kind === 'devstate') await run('xen-save-devices-state', { filename: `${WORK10}/${file}`, live: false });
        else {
          await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
          await run('migrate', { uri: `exec:cat > ${WORK10}/${file}` });
          const st = await waitForMigration(q.qmp);
          if (st.status !== 'completed') throw new Error(`${file}: migration ${st.status}`);
        }
        await q.qmp.execute('quit').catch(() => {});
        await q.exited;
      } catch (e) {
        q.proc.kill('SIGKILL');
        throw new Error(`${e.message}\n${q.stderr()}`);
      }
      copyFileSync(join(ROOT10, WORK10, file), resolve(DIR, file));
      out.push({ name: `qemu72-vs-qemu10-${kind}`, kind, qemuVersions: { left: '7.2 (host)', right: version },
        args: { left: CMOS_VM, right: ['chroot', '$QEMU10_ROOT', X86, ...args] }, qmp: steps,
        note: 'the same guest command line; QEMU 10.0 runs the machine type QEMU 7.2\'s "pc" resolves to', left: entry(left), right: entry(file) });
    }
    return out;
  } finally {
    unmount();
  }
}

async function main() {
  const version = qemuVersion();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const pairs = [...(await cmosPair()), coloPair(), ...(await regsPair()), ...(await qemu10Pairs())];
  const manifest = {
    description: 'Pairs of state files for the comparison, made with the real QEMU by scripts/make-diff-fixtures.mjs (node scripts/make-diff-fixtures.mjs).',
    qemuVersion: version,
    conventions: {
      paths: 'args and QMP file names are relative to the repository root; QEMU ran with cwd = repository root, plus -qmp unix:<tmpdir>/qmp.sock,server=on,wait=off',
      cmp: 'bytes: every byte that differs, from `cmp -l` (offset 0-based, left and right values); field: the leaf holding it as named by this project\'s `inspect --json` of the left file',
      qemu10: 'qemu72-vs-qemu10 pairs: made only with QEMU10_ROOT set (a Debian trixie chroot with qemu-system-x86 10.0)',
    },
    pairs,
  };
  writeFileSync(resolve(DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const p of pairs) log(`${p.name}: ${p.left.file} (${p.left.size}) vs ${p.right.file} (${p.right.size})${p.cmp ? `, ${p.cmp.bytes?.length ?? p.cmp.differingBytes} byte(s) differ${p.cmp.sizes ? ` (${p.cmp.sizes})` : ''}` : ''}`);
}

main().catch((e) => {
  console.error(`make-diff-fixtures: ${e.stack ?? e.message}`);
  process.exit(1);
});
