// Helpers for tests that need the real QEMU as an oracle for the fixtures in public/fixtures/.
// Everything is driven by public/fixtures/manifest.json (written by scripts/make-fixtures.mjs):
// each entry records the QEMU binary and the exact arguments (minus -qmp) that made the fixture.
// Paths inside those arguments are relative to the repository root, so QEMU runs with cwd = root.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startQemu } from './qmp.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_DIR = resolve(REPO_ROOT, 'public/fixtures');

/** Kinds without a CONFIGURATION record (xen-save / COLO files); see docs format.md §2.4. */
export const DEVSTATE_KINDS = ['devstate', 'devstate-xen', 'colo'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
 */
export async function loadIntoQemu(file, name, { extraArgs = [], timeoutMs = 60_000 } = {}) {
  const entry = fixtureEntry(name);
  const { binary, args, cwd, capabilities } = fixtureConfig(name);
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
  let exitCode = null;
  q.exited.then((c) => (exitCode = c));
  const close = async () => {
    if (exitCode === null) {
      await q.qmp.execute('quit').catch(() => {});
      const t = setTimeout(() => q.proc.kill('SIGKILL'), 5_000);
      await q.exited;
      clearTimeout(t);
    }
    q.qmp.close();
  };
  const result = (ok, status) => ({ ok, status, exitCode, stderr: q.stderr(), qmp: q.qmp, close });
  const exitedSoon = async () => {
    const t = setTimeout(() => q.proc.kill('SIGKILL'), 10_000);
    exitCode = await q.exited;
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
