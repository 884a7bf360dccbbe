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
// QEMU 7.2 vs 10.0 of one machine: scripts/make-fixtures-qemu10.mjs makes 10.0 files of the
// pc configuration of make-fixtures.mjs; that pair is public/fixtures/pc-devstate.bin against
// public/fixtures/qemu10/pc-devstate.bin (see src/format/diff/diff-real.test.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startQemu, waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT } from './lib/qemu.mjs';

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
  const steps = [];
  const run = async (execute, a) => {
    steps.push(a === undefined ? { execute } : { execute, arguments: a });
    return q.qmp.execute(execute, a);
  };
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
      // The RAM section splits into PART records where the rate limiter says, which differs by
      // run: the bytes shift, so only the count is kept; the device sections are the same as in
      // the device-state pair, the RAM pages are the same (the guest never ran).
      cmp: { differingBytes: migDiff.bytes.length, sizes: migDiff.sizes } },
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
      cmp: d.bytes.length <= 1000 ? { ...d, bytes: nameFields(l, d.bytes) } : { differingBytes: d.bytes.length, sizes: d.sizes } });
  }
  return pairs;
}

async function main() {
  const version = qemuVersion();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const pairs = [...(await cmosPair()), coloPair(), ...(await regsPair())];
  const manifest = {
    description: 'Pairs of state files for the comparison, made with the real QEMU by scripts/make-diff-fixtures.mjs (node scripts/make-diff-fixtures.mjs).',
    qemuVersion: version,
    conventions: {
      paths: 'args and QMP file names are relative to the repository root; QEMU ran with cwd = repository root, plus -qmp unix:<tmpdir>/qmp.sock,server=on,wait=off',
      cmp: 'bytes: every byte that differs, from `cmp -l` (offset 0-based, left and right values); field: the leaf holding it as named by this project\'s `inspect --json` of the left file',
      qemu10: 'the same pc machine saved by QEMU 7.2 and 10.0 is public/fixtures/pc-devstate.bin vs public/fixtures/qemu10/pc-devstate.bin (scripts/make-fixtures.mjs, make-fixtures-qemu10.mjs)',
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
