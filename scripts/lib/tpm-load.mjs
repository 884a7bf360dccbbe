// One load of a TPM device-state file into a QEMU, the way scripts/make-tpm-loads.mjs records it
// (public/fixtures/tpm/loads.json) and src/cli/compat-tpm-reload.test.ts re-runs it: the file with
// the command line that wrote it, `-global migration.send-configuration=off -incoming exec:cat FILE`
// (the recipe of scripts/lib/compat-qemu.mjs load(); a device-state file names no machine type, so
// the target's own is used), and a fresh swtpm of the target's Debian release on the chardev socket
// (the TPM state travels in the file: QEMU hands the blobs to that swtpm in its post_load).
//
// The fixtures' command lines name fixed paths (FIXTURE_PATHS: the swtpm socket, the shared guest
// RAM file, the zero BIOS); each load gets them in a directory of its own, so loads may run side by
// side without sharing guest RAM or a TPM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startQemu } from './qemu.mjs';
import { startSwtpm } from './swtpm.mjs';

/** The paths scripts/make-tpm-fixtures.mjs puts in the fixtures' command lines (as QEMU sees them). */
export const FIXTURE_PATHS = { ram: '/tmp/tpm-fixtures.ram', socket: '/tmp/tpm-fixtures-swtpm.sock', bios: '/tmp/tpm-fixtures-bios.bin' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** QEMU's stderr lines without the program name, as scripts/lib/compat-qemu.mjs load() records them. */
export const qemuMessages = (text) => text.split('\n').map((l) => l.replace(/^(\S*qemu-system-[a-z0-9_]+: )+/, '').trim()).filter((l) => l && !/terminating on signal|^\(\S+ (exited|killed)/.test(l));

/**
 * Waits for the incoming migration of Q (a startQemu result; `start()` first begins it when given,
 * e.g. migrate-incoming after -incoming defer) to end or QEMU to exit, then closes Q. Resolves
 * { status: 'completed' | 'failed' | 'exited' | 'timeout', exitCode? (when exited), messages }.
 */
export async function incomingVerdict(q, timeoutMs = 60_000, start = async () => {}) {
  let status = 'timeout';
  try {
    await start();
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) {
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
}

/**
 * Loads device-state BYTES into BINARY with ARGS (a fixture's command line from its manifest), inside
 * CHROOT when given (the QEMU and swtpm of that Debian release). Resolves
 * { status: 'completed' | 'failed' | 'exited' | 'timeout', exitCode? (when exited), messages } once the
 * incoming migration ends or QEMU exits.
 */
export async function loadTpmDevstate(bytes, binary, args, { chroot = null, timeoutMs = 60_000 } = {}) {
  const hostDir = mkdtempSync(join(chroot ?? '', '/tmp', 'tpm-load-'));
  const dir = chroot ? hostDir.slice(chroot.length) : hostDir; // as QEMU and swtpm see it
  const paths = { ram: `${dir}/ram`, socket: `${dir}/swtpm.sock`, bios: `${dir}/bios.bin` };
  const file = `${dir}/input.bin`;
  writeFileSync(join(hostDir, 'input.bin'), bytes);
  writeFileSync(join(hostDir, 'bios.bin'), Buffer.alloc(65536));
  const ownArgs = args.map((a) => Object.keys(paths).reduce((s, k) => s.replaceAll(FIXTURE_PATHS[k], paths[k]), a));
  let swtpm = null;
  try {
    swtpm = await startSwtpm(paths.socket, { chroot });
    const q = await startQemu(binary, [...ownArgs, '-global', 'migration.send-configuration=off', '-incoming', `exec:cat ${file}`], { chroot: chroot ?? undefined }).catch((e) => ({ error: e }));
    // QEMU may fail the load and exit before QMP is up: its stderr comes with the error.
    if (q.error) return { status: 'exited', exitCode: q.error.exitCode ?? null, messages: qemuMessages(q.error.stderr ?? q.error.message) };
    return await incomingVerdict(q, timeoutMs);
  } finally {
    await swtpm?.stop();
    rmSync(hostDir, { recursive: true, force: true });
  }
}
