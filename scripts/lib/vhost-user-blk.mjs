// vhost-user-blk's backend for the scripts that start QEMU with it (the library probes, the virtio
// fixtures and survey): the vhost-user-blk export of qemu-storage-daemon, serving a 1 MiB null disk.
// A vhost-user device cannot even be realized without a server on its chardev socket (QEMU asks
// the backend for its features and config at realize: a null chardev fails with "Failed to set msg
// fds."), and qemu-storage-daemon is the one server Debian's QEMU packages carry: package
// qemu-system-common with 7.2 (bookworm, the host), qemu-utils with 10.0 (trixie) and 11.1 (forky).
// Each QEMU is served by the daemon of its own version (the one in its chroot), so nothing mixes
// versions; the state QEMU saves takes the backend's virtio-blk config bytes, not its layout.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the daemon (inside `chroot` when given) with one export per socket of SOCKETS (one path or
 * several: an export serves one device), paths as QEMU sees them (inside the chroot). Resolves once
 * every socket exists, with stop(); rejects with the daemon's own message when it exits or makes no
 * socket within timeoutMs.
 */
export async function startVhostUserBlkServer(sockets, { chroot = null, timeoutMs = 10_000 } = {}) {
  const list = [sockets].flat();
  const onHost = list.map((s) => join(chroot ?? '', s));
  for (const f of onHost) rmSync(f, { force: true });
  const args = list.flatMap((socket, i) => ['--blockdev', `null-co,node-name=vub${i},size=1048576,read-zeroes=on`,
    '--export', `type=vhost-user-blk,id=vub${i},node-name=vub${i},addr.type=unix,addr.path=${socket},writable=on`]);
  const proc = chroot ? spawn('chroot', [chroot, 'qemu-storage-daemon', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('qemu-storage-daemon', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  let exited = false;
  proc.on('exit', () => (exited = true));
  proc.on('error', (e) => ((exited = true), (stderr += e.message)));
  const stop = () => {
    if (!exited) proc.kill('SIGKILL');
    for (const f of onHost) rmSync(f, { force: true });
  };
  for (const t0 = Date.now(); !onHost.every((f) => existsSync(f)); await sleep(20)) {
    if (exited || Date.now() - t0 > timeoutMs) {
      stop();
      throw new Error(`qemu-storage-daemon${chroot ? ` in ${chroot}` : ''} made no socket ${list.join(', ')}: ${stderr.trim() || (exited ? 'it exited' : 'timeout')}`);
    }
  }
  return { stop };
}
