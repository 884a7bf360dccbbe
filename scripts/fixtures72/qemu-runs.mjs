// Running QEMU and the tools for scripts/make-fixtures.mjs: the version check, the guest programs,
// one QEMU session per fixture, loading a file back, QEMU's analyze-migration.py.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loggedQmp, waitForMigration } from '../lib/qmp.mjs';
import { REPO_ROOT, loadIntoQemu, shQuote, startQemu } from '../lib/qemu.mjs';
import { FIX, FIX_REL, REGS_ARM, REGS_ARM_ADDR, REGS_X86, sha256 } from './config.mjs';

export function qemuVersion(binary) {
  let out;
  try {
    out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(`${binary} is required to make the fixtures but could not be run (${e.code ?? e.message}). ` +
      'Install QEMU 7.2 (Debian bookworm: apt-get install qemu-system-x86 qemu-system-arm).');
  }
  const m = /QEMU emulator version (\S+)(?: \(([^)]*)\))?/.exec(out);
  if (!m) throw new Error(`cannot parse ${binary} --version output: ${out}`);
  if (!m[1].startsWith('7.2.') && !process.env.ALLOW_ANY_QEMU) {
    throw new Error(`${binary} is QEMU ${m[1]}; the fixtures must be made with QEMU 7.2 (ALLOW_ANY_QEMU=1 overrides)`);
  }
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over a fixed seed. */
export function seededBytes(seed, size) {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) off += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

/**
 * Assembles the guest programs of scripts/guests/ into public/fixtures/ (GNU as + objcopy from
 * binutils, and binutils-aarch64-linux-gnu for aarch64). Returns their provenance for the manifest
 * and armHalted(info registers text): true once the aarch64 program is in its wfi loop.
 */
export function assembleGuests() {
  const tmp = mkdtempSync(join(tmpdir(), 'vmstate-guests-'));
  const tool = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' });
    } catch (e) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${e.code ?? e.message.split('\n')[0]}); the guest programs need binutils and binutils-aarch64-linux-gnu`);
    }
  };
  const build = (src, out, prefix, asArgs) => {
    const obj = join(tmp, `${out}.o`);
    tool(`${prefix}as`, [...asArgs, '-o', obj, join(REPO_ROOT, 'scripts/guests', src)]);
    tool(`${prefix}objcopy`, ['-O', 'binary', '-j', '.text', obj, join(FIX, out)]);
    const symbols = Object.fromEntries(tool(`${prefix}nm`, [obj]).trim().split('\n').map((l) => l.split(' ')).map(([v, , n]) => [n, parseInt(v, 16)]));
    const bytes = readFileSync(join(FIX, out));
    return {
      file: out, source: `scripts/guests/${src}`, size: bytes.length, sha256: sha256(bytes), haltOffset: symbols.halt,
      assembledWith: `${tool(`${prefix}as`, ['--version']).split('\n')[0]}; ${prefix}objcopy -O binary -j .text`,
    };
  };
  const x86 = build('x86-regs.S', REGS_X86, '', ['--64']);
  const arm = build('aarch64-regs.S', REGS_ARM, 'aarch64-linux-gnu-', []);
  rmSync(tmp, { recursive: true, force: true });
  const armHalted = (regs) => {
    const pc = /\bPC=([0-9a-f]{16})\b/.exec(regs);
    const at = pc ? Number(BigInt(`0x${pc[1]}`)) - REGS_ARM_ADDR : -1;
    return at === arm.haltOffset || at === arm.haltOffset + 4; // on the wfi, or past it (QEMU 7.2 reports the latter)
  };
  return { programs: [x86, arm], armHalted };
}

export const commandLine = (binary, args) =>
  [binary, ...args, '-qmp', 'unix:<tmpdir>/qmp.sock,server=on,wait=off'].map(shQuote).join(' ');
async function qemuSession(spec, fn) {
  const q = await startQemu(spec.binary, spec.args, { cwd: REPO_ROOT });
  const { run, log: qmpLog } = loggedQmp(q, spec.file);
  try {
    const result = await fn(run, q, qmpLog);
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
    return { qmpLog, stderr: q.stderr(), ...result };
  } catch (e) {
    q.proc.kill('SIGKILL');
    throw e;
  }
}

/** Makes one fixture; `guests` is what assembleGuests returned. */
export async function makeFixture(spec, machineTypes, guests) {
  const rel = `${FIX_REL}/${spec.file}`;
  rmSync(resolve(REPO_ROOT, rel), { force: true });
  const stem = spec.file.replace(/\.bin$/, '');
  return qemuSession(spec, async (run, q, qmpLog) => {
    const out = {};
    // read-only, not part of the recorded recipe: resolves the alias (pc -> pc-i440fx-7.2)
    if (!machineTypes[spec.binary]) machineTypes[spec.binary] = await q.qmp.execute('query-machines');
    if (spec.runsUntil) {
      const halted = spec.runsUntil === 'armHalted' ? guests.armHalted : spec.runsUntil;
      await run('cont');
      qmpLog.push({ execute: 'human-monitor-command', arguments: { 'command-line': 'info registers' }, repeated: 'polled until the guest program has halted' });
      const deadline = Date.now() + 10_000;
      while (!halted(await q.qmp.hmp('info registers'))) {
        if (Date.now() > deadline) throw new Error(`${spec.file}: the guest program did not halt within 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await run('stop');
      const regs = await run('human-monitor-command', { 'command-line': 'info registers' });
      out.registers = `${stem}.registers.txt`;
      writeFileSync(join(FIX, out.registers), regs);
    }
    if (spec.kind.startsWith('devstate')) {
      const regs = await run('human-monitor-command', { 'command-line': 'info registers' });
      out.registers = `${stem}.registers.txt`;
      writeFileSync(join(FIX, out.registers), regs);
      await run('xen-save-devices-state', { filename: rel, live: false });
    } else {
      if (spec.migrationCapabilities) await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
      await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      await run('migrate', { uri: `exec:cat > ${rel}` });
      qmpLog.push({ execute: 'query-migrate', repeated: 'polled (scripts/lib/qmp.mjs waitForMigration) until status "completed"' });
      const st = await waitForMigration(q.qmp);
      if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}`);
    }
    return out;
  });
}

export function shortReason(stderr) {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/has no peer/.test(l)).join('\n');
}

export async function checkLoad(file, name) {
  const r = await loadIntoQemu(file, name);
  await r.close();
  return { ok: r.ok, status: r.status, exitCode: r.exitCode, stderr: shortReason(r.stderr) };
}

export function runAnalyze(script, file) {
  const r = spawnSync('python3', [script, '-f', file], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status === 0) return { ok: true, stdout: r.stdout };
  const err = r.stderr.toString().split(script).join('analyze-migration.py').trim().split('\n');
  return { ok: false, error: err[err.length - 1], traceback: err.slice(-4).join('\n') };
}
