// ivshmem-doorbell's backend for the scripts that start QEMU with it (the library probes, the
// hostdev fixtures): scripts/lib/ivshmem-server.py, a server of QEMU's ivshmem client-server
// protocol, because no Debian package ships one (QEMU's contrib ivshmem-server is not built into
// bookworm's, trixie's or forky's packages). It runs on the host with Python 3 (the chroots need none):
// its socket is made at the chroot's path, so a QEMU inside the chroot reaches it by its own path.
// Only the first client a server sees gets ID 0, and a doorbell with master=on must be that one
// ("master must connect to the server before any peers"), so a server is started per QEMU.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSocketDaemons } from './socket-daemons.mjs';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'ivshmem-server.py');

/**
 * Starts one server per socket of SOCKETS (one path or several; paths as QEMU sees them, inside
 * `chroot` when given), each with `size` bytes of shared memory (a memfd) and one interrupt vector.
 * Resolves once every socket exists, with stop() (a promise: the servers have exited); rejects with
 * the server's own message when one exits or makes no socket within timeoutMs.
 */
export function startIvshmemServer(sockets, { chroot = null, size = 1 << 20, timeoutMs = 10_000 } = {}) {
  const host = (p) => join(chroot ?? '', p);
  // The server runs on the host, so it is given the socket's host path.
  return startSocketDaemons([sockets].flat(), { what: 'ivshmem-server', host, timeoutMs, command: (socket) => ['python3', [SERVER, host(socket), String(size)]] });
}
