// QEMU inside the chroot for scripts/make-fixtures-qemu10.mjs: the version and package checks, one
// producing session per fixture, loading a file back, the proc mount.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { loggedQmp, machineTypeOf, waitForMigration } from '../lib/qmp.mjs';
import { shQuote, startQemu } from '../lib/qemu.mjs';
import { QEMU, ROOT, ROOT_VAR, WORK, host, log, sleep } from './context.mjs';

// ---------------------------------------------------------------------------------------------
// QEMU inside the chroot

function chrootRun(cmd, args) {
  return execFileSync('chroot', [ROOT, cmd, ...args], { encoding: 'utf8' });
}

export function qemuVersion(binary) {
  let out;
  try {
    out = chrootRun(binary, ['--version']);
  } catch (e) {
    throw new Error(`${binary} cannot be run in ${ROOT} (${e.message.split('\n')[0]}); see the header of this script for making the chroot`);
  }
  const m = /QEMU emulator version (\S+)/.exec(out);
  if (!m) throw new Error(`cannot parse ${binary} --version output: ${out}`);
  if (!m[1].startsWith(`${QEMU}.`) && !process.env.ALLOW_ANY_QEMU) {
    throw new Error(`${binary} in ${ROOT} is QEMU ${m[1]}; these fixtures must be made with QEMU ${QEMU} (ALLOW_ANY_QEMU=1 overrides)`);
  }
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

export function debianPackages() {
  const out = chrootRun('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'qemu-system-x86', 'qemu-system-s390x', 'qemu-system-common', 'qemu-system-data', 'seabios']);
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ')));
}

/**
 * QEMU in the chroot with a QMP socket: scripts/lib/qemu.mjs startQemu (the one launcher) runs
 * `chroot ROOT BINARY ARGS -qmp unix:/tmp/vmstate-qmp-…/qmp.sock,…` and reaches the socket through
 * ROOT/tmp. Resolves { qmp, proc, exited, close, stderr(), exitCode() }; rejects with QEMU's own
 * message (and .exitCode, .stderr) as soon as QEMU exits during the start.
 */
export const startChrootQemu = (binary, args) => startQemu(binary, args, { chroot: ROOT });

export const commandLine = (binary, args) =>
  ['chroot', ROOT_VAR, binary, ...args, '-qmp', 'unix:/tmp/vmstate-qmp-<tmp>/qmp.sock,server=on,wait=off']
    .map((w) => (w === ROOT_VAR ? w : shQuote(w))).join(' ');

export const cleanStderr = (s) => s.split('\n').map((l) => l.trim()).filter((l) => l && !/has no peer/.test(l)).join('\n');

/** Runs one producing session; QMP commands are logged for the manifest. */
export async function makeFixture(spec) {
  const inside = `${WORK}/${spec.file}`;
  rmSync(host(inside), { force: true });
  const q = await startChrootQemu(spec.binary, spec.args);
  const { run, log: qmpLog } = loggedQmp(q, spec.file);
  try {
    const mt = await machineTypeOf(q.qmp, spec.machine); // read-only, resolves the alias
    if (spec.kind === 'devstate') {
      await run('xen-save-devices-state', { filename: inside, live: false });
    } else {
      if (spec.migrationCapabilities) await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
      await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      const uri = spec.kind === 'mapped-ram' ? `file:${inside}` : `exec:cat > ${inside}`;
      await run('migrate', { uri });
      qmpLog.push({ execute: 'query-migrate', repeated: 'polled until status "completed"' });
      const st = await waitForMigration(q.qmp);
      if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}\n${q.stderr()}`);
    }
    await q.close();
    return { qmpLog, machineType: mt, stderr: cleanStderr(q.stderr()) };
  } catch (e) {
    q.proc.kill('SIGKILL');
    await q.exited;
    throw e;
  }
}

/**
 * Loads chroot file INSIDE into a fresh QEMU configured like SPEC. Migration streams and device-state
 * files via -incoming "exec:cat FILE" (device-state files need send-configuration=off, format.md §2.4);
 * with capabilities via -incoming defer + migrate-set-capabilities + migrate-incoming (file: for
 * mapped-ram). Resolves { ok, status, exitCode, stderr, recipe }.
 */
export async function loadBack(spec, inside, { timeoutMs = 60_000 } = {}) {
  const extra = spec.kind === 'devstate' ? ['-global', 'migration.send-configuration=off'] : [];
  const uri = spec.kind === 'mapped-ram' ? `file:${inside}` : `exec:cat ${inside}`;
  const caps = spec.migrationCapabilities ?? [];
  const incoming = caps.length ? 'defer' : uri;
  const args = [...spec.args, ...extra, '-incoming', incoming];
  const recipe = { extraArgs: [...extra, '-incoming', incoming], ...(caps.length ? { qmp: [
    { execute: 'migrate-set-capabilities', arguments: { capabilities: caps } },
    { execute: 'migrate-incoming', arguments: { uri } }] } : {}) };
  let q;
  try {
    q = await startChrootQemu(spec.binary, args);
  } catch (e) {
    return { ok: false, status: 'exited', exitCode: e.exitCode ?? null, stderr: cleanStderr(e.stderr ?? e.message), recipe };
  }
  const done = async (ok, status) => {
    if (!ok && q.exitCode() === null) {
      const t = setTimeout(() => q.proc.kill('SIGKILL'), 10_000); // 10.0 exits(1) after a failed load
      await q.exited;
      clearTimeout(t);
    }
    const exitCode = q.exitCode();
    await q.close();
    return { ok, status, exitCode, stderr: cleanStderr(q.stderr()), recipe };
  };
  try {
    if (caps.length) {
      await q.qmp.execute('migrate-set-capabilities', { capabilities: caps });
      await q.qmp.execute('migrate-incoming', { uri });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await q.qmp.execute('query-migrate');
      if (info.status === 'completed') {
        const st = await q.qmp.execute('query-status');
        return done(true, `completed (run state ${st.status})`);
      }
      if (info.status === 'failed' || info.status === 'cancelled') return done(false, info.status);
      if (Date.now() > deadline) return done(false, `timeout (${info.status ?? 'no status'})`);
      await sleep(20);
    }
  } catch {
    return done(false, 'exited'); // QMP closed: QEMU exited during the load
  }
}

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over a fixed seed. */
export function seededBytes(seed, size) {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) off += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

export function ensureProc() {
  if (existsSync(host('/proc/self'))) return () => {};
  execFileSync('mount', ['-t', 'proc', 'proc', host('/proc')]);
  log(`mounted proc on ${host('/proc')}`);
  return () => {
    const r = spawnSync('umount', [host('/proc')]);
    if (r.status === 0) log(`unmounted ${host('/proc')}`);
    else console.error(`umount ${host('/proc')} failed: ${r.stderr}`);
  };
}
