// Back-end daemons the scripts start beside QEMU (virtiofsd.mjs, ivshmem-server.mjs): each spawned
// with its stderr kept for the error message, stopped together, and waited for until its socket exists.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** BIN ARGS with stderr collected: { proc, stderr, exited, ...extra }. */
export function spawnWatched(bin, args, extra = {}) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const d = { ...extra, proc, stderr: '', exited: false };
  proc.stderr.setEncoding('utf8').on('data', (x) => (d.stderr += x));
  proc.on('exit', () => (d.exited = true));
  proc.on('error', (e) => ((d.exited = true), (d.stderr += e.message)));
  return d;
}

/** Kills the daemons still running and resolves once every one has exited. */
export const killAll = (daemons) => Promise.all(daemons.map((d) => (d.exited ? null : new Promise((r) => (d.proc.on('exit', r), d.proc.kill('SIGKILL'))))));

/**
 * Waits until every path of SOCKETS (host paths, one per daemon) exists. When a daemon exits first or
 * timeoutMs passes, calls stop() and throws `${what} made no socket …` with the daemon's own message.
 */
export async function waitForSockets(daemons, sockets, { timeoutMs, stop, what, name = (i) => sockets[i] }) {
  for (const t0 = Date.now(); !sockets.every((s) => existsSync(s)); await sleep(20)) {
    const dead = daemons.findIndex((d) => d.exited);
    if (dead >= 0 || Date.now() - t0 > timeoutMs) {
      await stop();
      const why = dead >= 0 ? daemons[dead].stderr.trim() || 'it exited' : 'timeout';
      throw new Error(`${what} made no socket ${name(Math.max(dead, 0))}: ${why}`);
    }
  }
}
