// Back-ends Debian ships for vhost-user devices other than -blk (qemu-storage-daemon,
// vhost-user-blk.mjs) and -fs (virtiofsd.mjs), for the library probes; each QEMU is served by the
// daemon of its own Debian release, run inside its chroot (neither needs /proc), one per QEMU:
// - vhost-user-gpu(-pci, -ccw) and vhost-user-vga: /usr/lib/qemu/vhost-user-gpu, package
//   qemu-system-gui in bookworm (7.2), trixie (10.0) and forky (11.1) alike (its
//   /usr/share/qemu/vhost-user/50-qemu-gpu.json names it);
// - vhost-user-vsock(-pci, -device): vhost-device-vsock, a package of forky only (0.3.0); bookworm
//   and trixie have none, so there those devices keep failing for want of a back-end.
// Without a server on the chardev socket none of them can be realized ("Failed to set msg fds.").
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSocketDaemons } from './socket-daemons.mjs';

const DAEMONS = {
  gpu: { binary: '/usr/lib/qemu/vhost-user-gpu', args: (socket) => [`--socket-path=${socket}`] },
  // Guest CID 3 (its default, as vhost-vsock's), host side on a socket beside the front-end's.
  vsock: { binary: '/usr/bin/vhost-device-vsock', args: (socket) => ['--guest-cid=3', `--socket=${socket}`, `--uds-path=${socket}.vsock`] },
};

/** Which daemon serves device TYPE, if any (the device types the probes start them for). */
export function vhostUserDaemon(type) {
  if (/^vhost-user-(gpu(-pci|-ccw)?|vga)$/.test(type)) return 'gpu';
  if (/^vhost-user-vsock-(device|pci(-non-transitional)?|ccw)$/.test(type)) return 'vsock';
  return null;
}

/** Whether the daemon for TYPE is installed where QEMU runs (CHROOT, or this host). */
export const hasVhostUserDaemon = (type, chroot = null) => !!vhostUserDaemon(type) && existsSync(join(chroot ?? '/', DAEMONS[vhostUserDaemon(type)].binary));

/**
 * Starts TYPE's daemon once per socket of SOCKETS (paths as QEMU sees them, inside `chroot` when
 * given); resolves once every socket exists, with stop(); rejects with the daemon's own message when
 * one exits or makes no socket within timeoutMs.
 */
export function startVhostUserDaemon(type, sockets, { chroot = null, timeoutMs = 10_000 } = {}) {
  const d = DAEMONS[vhostUserDaemon(type)];
  const host = (p) => join(chroot ?? '', p);
  return startSocketDaemons([sockets].flat(), {
    what: `${d.binary}${chroot ? ` in ${chroot}` : ''}`,
    host,
    timeoutMs,
    command: (socket) => (chroot ? ['chroot', [chroot, d.binary, ...d.args(socket)]] : [d.binary, d.args(socket)]),
    cleanup: (socket) => rmSync(host(`${socket}.vsock`), { force: true }),
  });
}
