// The TPM devices' backend for the scripts that start QEMU with one (the library probes, the TPM
// fixtures): swtpm, the software TPM QEMU's `-tpmdev emulator` talks to over a control socket. A TPM
// front-end (tpm-tis, tpm-crb, tpm-tis-device, tpm-spapr) cannot be created without a tpmdev, and
// the emulator backend is the only one that migrates (passthrough needs a host TPM and blocks
// migration). Each QEMU is served by the swtpm of its own Debian release (package swtpm: 0.7.1 in
// bookworm and trixie, 0.10 in forky), run inside its chroot, so nothing mixes versions.
//
// A fresh swtpm with an empty state directory per QEMU: `--terminate` makes it exit when its QEMU
// closes the control channel, and a QEMU that failed may have left it mid-command. QEMU itself sends
// CMD_INIT and the TPM2 startup at machine reset, and on migration fetches the permanent, volatile
// and savestate blobs (the tpm-emulator section), so no swtpm_setup is needed.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSocketDaemons } from './socket-daemons.mjs';

/** `swtpm --version` of the daemon startSwtpm runs for CHROOT (for the manifests). */
export const swtpmCommand = (chroot) => (chroot ? ['chroot', [chroot, 'swtpm', '--version']] : ['swtpm', ['--version']]);

/**
 * QEMU arguments for a TPM backend named ID on control socket SOCKET (as QEMU sees it): the chardev
 * and the `-tpmdev emulator` a front-end names with `tpmdev=ID`.
 */
export const tpmBackendArgs = (socket, id) => ['-chardev', `socket,id=${id}-chr,path=${socket}`, '-tpmdev', `emulator,id=${id},chardev=${id}-chr`];

/**
 * What libvirt does before a TPM 2.0 VM's first start: swtpm_setup manufactures the state (an EK and
 * its certificate and a platform certificate, signed by swtpm_localca, in NV indices), so the
 * permanent blob is several KB (5999 bytes of state with swtpm 0.7.1), not the empty TPM's 1321.
 */
export const manufactureTpmState = (chroot, dir) => execFileSync(chroot ? 'chroot' : 'swtpm_setup', [...(chroot ? [chroot, 'swtpm_setup'] : []),
  '--tpm2', '--tpmstate', dir, '--createek', '--create-ek-cert', '--create-platform-cert', '--overwrite'], { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Starts one TPM 2.0 swtpm per socket of SOCKETS (one path or several; paths as QEMU sees them,
 * inside `chroot` when given), each with its own state directory SOCKET.state: empty, or a copy of
 * `state` (a directory as QEMU sees it, e.g. made by manufactureTpmState: two VMs then hold the same
 * TPM). Resolves once every socket exists, with stop() (a promise: the daemons have exited, their
 * files are gone); rejects with swtpm's own message when one exits or makes no socket within timeoutMs.
 */
export function startSwtpm(sockets, { chroot = null, timeoutMs = 10_000, state = null } = {}) {
  const host = (p) => join(chroot ?? '', p);
  const dir = (socket) => host(`${socket}.state`);
  return startSocketDaemons([sockets].flat(), {
    what: `swtpm${chroot ? ` in ${chroot}` : ''}`,
    host,
    timeoutMs,
    prepare: (socket) => {
      rmSync(dir(socket), { recursive: true, force: true });
      mkdirSync(dir(socket), { recursive: true });
      if (state) cpSync(host(state), dir(socket), { recursive: true });
    },
    command: (socket) => {
      const args = ['socket', '--tpm2', '--tpmstate', `dir=${socket}.state`, '--ctrl', `type=unixio,path=${socket}`, '--terminate'];
      return chroot ? ['chroot', [chroot, 'swtpm', ...args]] : ['swtpm', args];
    },
    cleanup: (socket) => rmSync(dir(socket), { recursive: true, force: true }),
  });
}
