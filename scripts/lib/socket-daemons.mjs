// One backend process per vhost-user, TPM or ivshmem socket, for the scripts that start QEMU with
// such a device (scripts/lib/virtiofsd.mjs, swtpm.mjs, ivshmem-server.mjs): each daemon serves one
// QEMU and exits when it leaves, so a caller starts a fresh set per VM and waits for their sockets
// before starting QEMU.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `command(socket)` → [binary, args] once per socket of SOCKETS (paths as the daemon sees
 * them; `host(socket)` is the same path on this host), after `prepare(socket)` and with stale
 * sockets removed. Resolves once every socket exists, with stop() (a promise: the daemons have
 * exited, their sockets and what `cleanup(socket)` removes are gone); rejects with the daemon's own
 * message, prefixed with WHAT, when one exits or makes no socket within timeoutMs.
 */
export async function startSocketDaemons(sockets, { what, host, command, prepare = () => {}, cleanup = () => {}, timeoutMs = 10_000 }) {
  const procs = sockets.map((socket) => {
    rmSync(host(socket), { force: true });
    prepare(socket);
    const [bin, args] = command(socket);
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const p = { proc, socket, stderr: '', exited: false };
    proc.stderr.setEncoding('utf8').on('data', (d) => (p.stderr += d));
    proc.on('exit', () => (p.exited = true));
    proc.on('error', (e) => ((p.exited = true), (p.stderr += e.message)));
    return p;
  });
  const stop = async () => {
    await Promise.all(procs.map((p) => (p.exited ? null : new Promise((r) => (p.proc.on('exit', r), p.proc.kill('SIGKILL'))))));
    for (const p of procs) {
      rmSync(host(p.socket), { force: true });
      cleanup(p.socket);
    }
  };
  for (const t0 = Date.now(); !procs.every((p) => existsSync(host(p.socket))); await sleep(20)) {
    const dead = procs.find((p) => p.exited);
    if (dead || Date.now() - t0 > timeoutMs) {
      await stop();
      const why = dead ? dead.stderr.trim() || 'it exited' : 'timeout';
      throw new Error(`${what} made no socket ${(dead ?? procs[0]).socket}: ${why}`);
    }
  }
  return { stop };
}
