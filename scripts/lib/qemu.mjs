// The one way the scripts and tests start QEMU (startQemu: the process, its QMP socket, optionally
// inside a chroot), and helpers for tests that need the real QEMU as an oracle for the fixtures in
// public/fixtures/. The fixture helpers are driven by public/fixtures/manifest.json (written by
// scripts/make-fixtures.mjs): each entry records the QEMU binary and the exact arguments (minus
// -qmp) that made the fixture. Paths inside those arguments are relative to the repository root,
// so QEMU runs with cwd = root.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Qmp } from './qmp.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = resolve(REPO_ROOT, 'public/fixtures');

/**
 * The QEMUs the fixtures, libraries and surveys are made with: Debian's 7.2 on the host, 10.0 and
 * 11.1 from debootstrap chroots of Debian's newer suites (scripts/make-fixtures-qemu10.mjs makes them).
 */
export const QEMUS = [
  { version: '7.2', chroot: null },
  { version: '10.0', chroot: '/var/tmp/trixie' },
  { version: '11.1', chroot: '/var/tmp/forky' },
];

/** The first line of `qemu-system-x86_64 --version` without its prefix, on the host or in `chroot`. */
export function qemuVersionText(chroot) {
  const args = chroot ? [chroot, 'qemu-system-x86_64', '--version'] : ['--version'];
  return execFileSync(chroot ? 'chroot' : 'qemu-system-x86_64', args, { encoding: 'utf8' }).split('\n')[0].replace(/^QEMU emulator version /, '');
}

/** QEMUS narrowed by a command line's `--only 10.0,11.1`, when it has one. */
export function chosenQemus(argv) {
  const i = argv.indexOf('--only');
  const only = i >= 0 ? argv[i + 1].split(',') : null;
  return QEMUS.filter((q) => !only || only.includes(q.version));
}

/** Kinds without a CONFIGURATION record (xen-save / COLO files); see docs format.md §2.4. */
export const DEVSTATE_KINDS = ['devstate', 'devstate-xen', 'colo'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every QEMU started by startQemu and not yet exited: a script kills these when it is interrupted. */
export const runningQemus = new Set();

/**
 * Starts BINARY ARGS plus a QMP socket and connects to it. Resolves
 * { qmp, proc, exited, exitCode(), stderr(), close(graceMs) } once QMP is up; `exited` resolves with
 * the exit code (128 if killed by a signal), close() quits QEMU (SIGKILL after graceMs) and closes QMP.
 * Options: cwd (QEMU's working directory: relative paths in ARGS), chroot (run QEMU as
 * `chroot DIR BINARY ...`; the socket is made under DIR/tmp and reached from outside through DIR),
 * timeoutMs (for the socket and the greeting).
 * Gives up as soon as QEMU exits: QEMU creates the QMP socket before it creates the devices, so a
 * device that fails to realize leaves a socket nobody will answer on. The error then carries
 * QEMU's own message first, `exitCode` and the full `stderr`. A QEMU whose main loop hangs before
 * the greeting is killed after timeoutMs.
 */
export async function startQemu(binary, args, { timeoutMs = 20_000, cwd, chroot } = {}) {
  const root = chroot ? resolve(chroot) : null;
  const dir = mkdtempSync(join(root ? join(root, 'tmp') : tmpdir(), 'vmstate-qmp-'));
  const sock = join(dir, 'qmp.sock');
  const qmpArg = `unix:${root ? sock.slice(root.length) : sock},server=on,wait=off`;
  const argv = root ? ['chroot', [root, binary, ...args, '-qmp', qmpArg]] : [binary, [...args, '-qmp', qmpArg]];
  const proc = spawn(argv[0], argv[1], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  runningQemus.add(proc);
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdout.resume();
  let exitCode = null;
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res(code ?? (signal ? 128 : -1))));
  exited.then((c) => {
    exitCode = c;
    runningQemus.delete(proc);
    rmSync(dir, { recursive: true, force: true });
  });
  // Rejects once the process has exited and its stderr is drained: QEMU's reason, then how it ended.
  const failure = new Promise((res) => proc.on('close', res)).then(() => {
    const how = proc.signalCode ? `killed by ${proc.signalCode}` : `exited with status ${proc.exitCode}`;
    throw Object.assign(new Error(`${stderr.trim()}\n(${binary} ${how} during start)`), { exitCode, stderr });
  });
  failure.catch(() => {});
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  try {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(sock)) {
      if (gone()) await failure;
      if (Date.now() > deadline) throw new Error(`${binary} did not open QMP within ${timeoutMs} ms: ${stderr.trim()}`);
      await sleep(10);
    }
    const connecting = Qmp.connect(sock, timeoutMs, { abort: gone });
    connecting.then((q) => gone() && q.close(), () => {});
    let timer;
    const hung = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${binary} sent no QMP greeting within ${timeoutMs} ms (hung): ${stderr.trim()}`)), timeoutMs)));
    // A connection that fails because QEMU is exiting reports QEMU's own message instead.
    const connected = connecting.catch(async (e) => {
      await Promise.race([failure, sleep(2000)]);
      throw e;
    });
    const qmp = await Promise.race([connected, failure, hung]).finally(() => clearTimeout(timer));
    const close = async (graceMs = 5_000) => {
      if (exitCode === null) {
        qmp.execute('quit').catch(() => {});
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      qmp.close();
    };
    return { qmp, proc, exited, exitCode: () => exitCode, stderr: () => stderr, close };
  } catch (e) {
    proc.kill('SIGKILL');
    await exited;
    throw e;
  }
}

/** Quotes one word for /bin/sh (used by QEMU's exec: migration URIs). */
export const shQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);

/** Parsed manifest.json (re-read on every call so a regenerated manifest is picked up). */
export function readManifest() {
  return JSON.parse(readFileSync(resolve(FIXTURES_DIR, 'manifest.json'), 'utf8'));
}

/** The manifest entry of fixture NAME ("pc-devstate.bin"; the ".bin" may be omitted). */
export function fixtureEntry(name) {
  const file = name.endsWith('.bin') ? name : `${name}.bin`;
  const entry = readManifest().fixtures.find((f) => f.file === file);
  if (!entry) throw new Error(`no fixture ${file} in public/fixtures/manifest.json`);
  return entry;
}

/**
 * {binary, args, cwd, capabilities}: the exact QEMU arguments (minus -qmp) that made fixture NAME,
 * the directory to run QEMU in (repository root; args use relative paths) and the migration
 * capabilities that were enabled with migrate-set-capabilities before saving ([] if none).
 */
export function fixtureConfig(name) {
  const e = fixtureEntry(name);
  return { binary: e.binary, args: [...e.args], cwd: REPO_ROOT, capabilities: e.migrationCapabilities ?? [] };
}

/**
 * Extra arguments the loading QEMU needs on top of the producer's: a device-state file has no
 * CONFIGURATION record, so the reader must not expect one (format.md §2.4, §9). Migration streams
 * keep the producer's setting (on, unless the producer's args already turned it off).
 */
export function loaderExtraArgs(kind) {
  return DEVSTATE_KINDS.includes(kind) ? ['-global', 'migration.send-configuration=off'] : [];
}

/**
 * Loads FILE into a fresh QEMU configured like fixture NAME, via `-incoming "exec:cat FILE"`
 * (or `-incoming defer` + migrate-set-capabilities + migrate-incoming when the fixture was made
 * with capabilities such as x-ignore-shared, which the configuration section validates).
 * Polls query-migrate until completed/failed or until QEMU exits (a bad stream makes QEMU print
 * the reason on stderr and exit with status 1).
 * Resolves {ok, status, exitCode, stderr, qmp, close()}. When ok, QEMU is still running, paused
 * (-S), so the caller can inspect it (qmp.hmp('info registers'), qom-get…); call close() after.
 * mapArgs: each producer argument passed through it first (a destination reading decoy input files).
 * entry: the fixture's manifest entry when it is not in public/fixtures/manifest.json.
 */
export async function loadIntoQemu(file, name, { extraArgs = [], timeoutMs = 60_000, mapArgs = (a) => a, entry = fixtureEntry(name) } = {}) {
  const { binary } = entry;
  const cwd = REPO_ROOT;
  const capabilities = entry.migrationCapabilities ?? [];
  const args = entry.args.map(mapArgs);
  const uri = `exec:cat ${shQuote(resolve(file))}`;
  const incoming = capabilities.length ? 'defer' : uri;
  const fullArgs = [...args, ...loaderExtraArgs(entry.kind), ...extraArgs, '-incoming', incoming];
  let q;
  try {
    q = await startQemu(binary, fullArgs, { cwd, timeoutMs: 20_000 });
  } catch (e) {
    const stderr = e.stderr ?? e.message;
    return { ok: false, status: 'exited', exitCode: e.exitCode ?? null, stderr, qmp: null, close: async () => {} };
  }
  const close = () => q.close();
  const result = (ok, status) => ({ ok, status, exitCode: q.exitCode(), stderr: q.stderr(), qmp: q.qmp, close });
  const exitedSoon = async () => {
    const t = setTimeout(() => q.proc.kill('SIGKILL'), 10_000);
    await q.exited;
    clearTimeout(t);
  };
  try {
    if (capabilities.length) {
      await q.qmp.execute('migrate-set-capabilities', { capabilities });
      await q.qmp.execute('migrate-incoming', { uri });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await q.qmp.execute('query-migrate');
      if (info.status === 'completed') return result(true, 'completed');
      if (info.status === 'failed' || info.status === 'cancelled') {
        await exitedSoon(); // 7.2 exits(1) after a failed incoming migration
        return result(false, info.status);
      }
      if (Date.now() > deadline) {
        await close();
        return result(false, `timeout (${info.status ?? 'no status'})`);
      }
      await sleep(20);
    }
  } catch {
    // QMP connection closed: QEMU exited during the load.
    await exitedSoon();
    return result(false, 'exited');
  }
}
