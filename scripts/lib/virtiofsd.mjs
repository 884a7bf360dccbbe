// vhost-user-fs's backend for the scripts that start QEMU with it (the library probes, the virtio
// fixtures): virtiofsd sharing an empty directory. Like vhost-user-blk, the device cannot be
// realized without a server on its chardev socket, and each QEMU is served by the virtiofsd of its
// own Debian release: bookworm's (7.2, the host) is the C daemon QEMU 7.2 itself ships in
// qemu-system-common (/usr/lib/qemu/virtiofsd); trixie (10.0) and forky (11.1) have the Rust daemon,
// package virtiofsd (1.13 and 1.14, /usr/libexec/virtiofsd). Only the Rust daemon offers the
// vhost-user device-state transfer that QEMU ≥ 9.0 needs to migrate the device (docs/virtio-devices.md).
//
// The Rust daemon reads /proc (its fd limit, /proc/self/fd for migration) and the chroots have no
// /proc mounted: it runs in a private mount namespace where /proc is mounted before the chroot, so
// nothing is mounted outside that namespace. There the chroot is also bind-mounted onto itself:
// 1.14 looks up the shared directory's mount in /proc/self/mountinfo ("Failed to find mount root for
// mount ID …" otherwise), and a chroot that is no mount point sees none. Its own sandbox is off (--sandbox=none): chroot(2) and
// the empty share are the isolation here. It serves one front-end and exits when that one leaves,
// so a server is started per QEMU.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSocketDaemons } from './socket-daemons.mjs';

/** The daemon's command line for SOCKET and SHARE (paths as the daemon sees them). */
function command(chroot, socket, share) {
  if (!chroot) return ['/usr/lib/qemu/virtiofsd', [`--socket-path=${socket}`, '-o', `source=${share}`, '-o', 'sandbox=chroot']];
  const script = 'mount --bind "$0" "$0" && mount -t proc proc "$0/proc" && exec chroot "$0" /usr/libexec/virtiofsd "$@"';
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, chroot, `--socket-path=${socket}`, `--shared-dir=${share}`, '--sandbox=none']];
}

/** The pid file a daemon leaves: the Rust one next to its socket, the C one under /run/virtiofsd. */
const pidFile = (chroot, socket) => (chroot ? join(chroot, `${socket}.pid`) : `/run/virtiofsd/${socket.replaceAll('/', '.')}.pid`);

/** `virtiofsd --version` of the daemon startVirtiofsd runs for CHROOT (for the manifests). */
export const virtiofsdCommand = (chroot) => (chroot ? ['chroot', [chroot, '/usr/libexec/virtiofsd', '--version']] : ['/usr/lib/qemu/virtiofsd', ['--version']]);

/**
 * Starts one daemon per socket of SOCKETS (one path or several; paths as QEMU sees them, inside
 * `chroot` when given), each sharing its own empty directory SOCKET.share. Resolves once every socket
 * exists, with stop() (a promise: the daemons have exited); rejects with the daemon's own message when one exits or makes no socket
 * within timeoutMs.
 */
export function startVirtiofsd(sockets, { chroot = null, timeoutMs = 10_000 } = {}) {
  const host = (p) => join(chroot ?? '', p);
  // stop() waits for the daemons to exit: the C daemon holds a lock named after its socket, which
  // the next attempt's daemon on the same socket needs ("Cannot lock pid file").
  return startSocketDaemons([sockets].flat(), {
    what: `virtiofsd${chroot ? ` in ${chroot}` : ''}`,
    host,
    timeoutMs,
    prepare: (socket) => mkdirSync(host(`${socket}.share`), { recursive: true }),
    command: (socket) => command(chroot, socket, `${socket}.share`),
    cleanup: (socket) => {
      rmSync(host(`${socket}.share`), { recursive: true, force: true });
      rmSync(pidFile(chroot, socket), { force: true });
    },
  });
}
