// ivshmem-doorbell's backend for the scripts that start QEMU with it (the library probes, the
// hostdev fixtures): scripts/lib/ivshmem-server.py, a server of QEMU's ivshmem client-server
// protocol, because no Debian package ships one (QEMU's contrib ivshmem-server is not built into
// bookworm's, trixie's or forky's packages). It runs on the host with Python 3 (the chroots need none):
// its socket is made at the chroot's path, so a QEMU inside the chroot reaches it by its own path.
// Only the first client a server sees gets ID 0, and a doorbell with master=on must be that one
// ("master must connect to the server before any peers"), so a server is started per QEMU.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'ivshmem-server.py');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts one server per socket of SOCKETS (one path or several; paths as QEMU sees them, inside
 * `chroot` when given), each with `size` bytes of shared memory (a memfd) and one interrupt vector.
 * Resolves once every socket exists, with stop() (a promise: the servers have exited); rejects with
 * the server's own message when one exits or makes no socket within timeoutMs.
 */
export async function startIvshmemServer(sockets, { chroot = null, size = 1 << 20, timeoutMs = 10_000 } = {}) {
  const servers = [sockets].flat().map((socket) => {
    const onHost = join(chroot ?? '', socket);
    rmSync(onHost, { force: true });
    const proc = spawn('python3', [SERVER, onHost, String(size)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const s = { proc, onHost, stderr: '', exited: false };
    proc.stderr.setEncoding('utf8').on('data', (d) => (s.stderr += d));
    proc.on('exit', () => (s.exited = true));
    proc.on('error', (e) => ((s.exited = true), (s.stderr += e.message)));
    return s;
  });
  const stop = async () => {
    await Promise.all(servers.map((s) => (s.exited ? null : new Promise((r) => (s.proc.on('exit', r), s.proc.kill('SIGKILL'))))));
    for (const s of servers) rmSync(s.onHost, { force: true });
  };
  for (const t0 = Date.now(); !servers.every((s) => existsSync(s.onHost)); await sleep(20)) {
    const dead = servers.find((s) => s.exited);
    if (dead || Date.now() - t0 > timeoutMs) {
      await stop();
      throw new Error(`ivshmem-server made no socket ${(dead ?? servers[0]).onHost}: ${dead ? dead.stderr.trim() || 'it exited' : 'timeout'}`);
    }
  }
  return { stop };
}
