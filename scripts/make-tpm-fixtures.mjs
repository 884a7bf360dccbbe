#!/usr/bin/env node
// Real files for the TPM devices (issue 12: the description libraries' qemu-<v>-tpm.json). For QEMU
// 7.2 (host), 10.0 (/var/tmp/trixie) and 11.1 (/var/tmp/forky) and each machine below, one stopped VM
// (-S, the guest never runs) with one TPM front-end on `-tpmdev emulator`, served by a fresh swtpm of
// the same Debian release (scripts/lib/swtpm.mjs), saved three ways as make-virtio-fixtures.mjs does:
//   <machine>-devstate.bin.gz           QMP xen-save-devices-state (header, sections with footers, EOF)
//   <machine>-nofooter-devstate.bin.gz  the same from a second VM of the same arguments (its own fresh
//                                       swtpm) started with Xen's framing globals (no footers)
//   <machine>-migration.bin.gz          `migrate` of the first VM: the same sections and the vmdesc
//                                       JSON, the truth both device-state files are compared with
// QEMU allows one TPM per VM, so each front-end has its own machine. Guest RAM is a shared file and
// x-ignore-shared is on, so the streams carry no guest pages.
// The tpm-emulator section carries swtpm's state blobs (permanent, volatile, savestate) with their
// sizes; each VM's sizes are recorded in the manifest (`blobs`), so a test can tell whether they vary.
// Written to public/fixtures/tpm/qemu-<version>/ with manifest.json (arguments, sizes, twins).
//
// Usage (as root: chroot(2); package swtpm on the host and in both chroots):
//   node scripts/make-tpm-fixtures.mjs [--only 10.0] [--machines tpm-q35]
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chosenQemus, qemuVersionText, REPO_ROOT, startQemu } from './lib/qemu.mjs';
import { COMMON, saveDevstateAndStream, saveNoFooter, writeManifest, writeTwinFiles, XEN_GLOBALS } from './lib/twin-fixtures.mjs';
import { manufactureTpmState, startSwtpm, swtpmCommand, tpmBackendArgs } from './lib/swtpm.mjs';
import { FIXTURE_PATHS } from './lib/tpm-load.mjs';
import { extractVmdesc } from './library/vmdesc-json.mjs';

const argv = process.argv.slice(2);
const opt = (n) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : null);
const QEMUS = chosenQemus(argv);

// Guest RAM a shared file (not a memfd): QEMU 10.0 and 11.1 skip only named files with x-ignore-shared.
const RAM_FILE = FIXTURE_PATHS.ram; // scripts/lib/tpm-load.mjs gives each reload its own
const ram = (size) => ['-object', `memory-backend-file,id=ram0,size=${size},share=on,mem-path=${RAM_FILE}`, '-m', size];
const SOCKET = FIXTURE_PATHS.socket;
const tpm = (type) => [...tpmBackendArgs(SOCKET, 'tpm0'), '-device', `${type},tpmdev=tpm0`];
// x86: a 64 KiB all-zero BIOS (the guest never runs) instead of SeaBIOS's 256 KiB, which the stream
// would carry as RAM (pc.bios, isa-bios); 120 KB less per gzipped stream.
const ZERO_BIOS = FIXTURE_PATHS.bios;
const X86 = ['-bios', ZERO_BIOS];

/** One machine per front-end (x86: tpm-tis on ISA, tpm-crb; aarch64 virt: the sysbus tpm-tis-device; pseries: spapr-vio). */
const MACHINES = [
  { label: 'tpm-tis-pc', binary: 'qemu-system-x86_64', args: () => ['-M', 'pc,memory-backend=ram0', ...ram('64M'), ...X86, ...tpm('tpm-tis')] },
  { label: 'tpm-tis-q35', binary: 'qemu-system-x86_64', args: () => ['-M', 'q35,memory-backend=ram0', ...ram('64M'), ...X86, ...tpm('tpm-tis')] },
  { label: 'tpm-crb-q35', binary: 'qemu-system-x86_64', args: () => ['-M', 'q35,memory-backend=ram0', ...ram('64M'), ...X86, ...tpm('tpm-crb')] },
  // A Windows 11 guest's TPM as libvirt makes it: manufactured by swtpm_setup (EK and platform
  // certificates), so its permanent blob is not the size the library's probes (empty state) saw.
  { label: 'tpm-crb-q35-manufactured', manufactured: true, binary: 'qemu-system-x86_64', args: () => ['-M', 'q35,memory-backend=ram0', ...ram('64M'), ...X86, ...tpm('tpm-crb')] },
  // The same on pc with tpm-tis: held out from the compatibility check's TPM rules (written after
  // the loads of the machines above), its predictions made before its loads first ran.
  { label: 'tpm-tis-pc-manufactured', manufactured: true, binary: 'qemu-system-x86_64', args: () => ['-M', 'pc,memory-backend=ram0', ...ram('64M'), ...X86, ...tpm('tpm-tis')] },
  { label: 'tpm-virt', binary: 'qemu-system-aarch64', args: () => ['-M', 'virt,gic-version=3,memory-backend=ram0', '-cpu', 'cortex-a57', ...ram('64M'), '-seed', '1', ...tpm('tpm-tis-device')] },
  { label: 'tpm-pseries', binary: 'qemu-system-ppc64', args: () => ['-M', 'pseries,memory-backend=ram0', ...ram('256M'), ...tpm('tpm-spapr')] },
].filter((m) => !opt('--machines') || opt('--machines').split(',').includes(m.label));

/** VM of ARGS with its own swtpm (on a copy of STATE when given); `save(vm)` runs while both live. */
async function withVm(q, m, args, state, save) {
  const backend = await startSwtpm(SOCKET, { chroot: q.chroot, state });
  try {
    const vm = await startQemu(m.binary, args, { chroot: q.chroot ?? undefined });
    try {
      return await save(vm);
    } finally {
      await vm.close();
    }
  } finally {
    await backend.stop();
    rmSync(join(q.chroot ?? '', RAM_FILE), { force: true });
  }
}

async function make(q, m, work) {
  const inside = (p) => (q.chroot ? p.slice(q.chroot.length) : p);
  const args = [...m.args(), ...COMMON];
  // Both VMs get the same manufactured TPM, so the twin's JSON gives the sizes of both files' blobs.
  const state = m.manufactured ? inside(join(work, `${m.label}.tpmstate`)) : null;
  if (state) mkdirSync(join(work, `${m.label}.tpmstate`), { recursive: true }), manufactureTpmState(q.chroot, state);
  const files = await withVm(q, m, args, state, (vm) => saveDevstateAndStream(vm, join(work, `${m.label}-devstate.bin`), join(work, `${m.label}-migration.bin`), inside));
  files['nofooter-devstate'] = await withVm(q, m, [...args, ...XEN_GLOBALS], state, (vm) => saveNoFooter(vm, join(work, `${m.label}-nofooter-devstate.bin`), inside));
  return { args, files };
}

/** The tpm-emulator blob sizes of a migration stream's JSON (what QEMU says it wrote). */
function blobSizes(stream) {
  const dev = JSON.parse(extractVmdesc(stream).json).devices.find((d) => d.vmsd_name === 'tpm-emulator');
  return Object.fromEntries(dev.fields.filter((f) => f.type === 'buffer').map((f) => [f.name.split('.')[1], f.size]));
}

for (const q of QEMUS) {
  const outRel = `public/fixtures/tpm/qemu-${q.version}`;
  const outDir = resolve(REPO_ROOT, outRel);
  mkdirSync(outDir, { recursive: true });
  const work = join(q.chroot ?? '', `/tmp/tpm-fixtures-${process.pid}`);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(q.chroot ?? '', ZERO_BIOS), Buffer.alloc(65536));
  const [bin, vargs] = swtpmCommand(q.chroot);
  const swtpm = execFileSync(bin, vargs, { encoding: 'utf8' }).split('\n')[0];
  const fixtures = [];
  for (const m of MACHINES) {
    try {
      const r = await make(q, m, work);
      fixtures.push(...writeTwinFiles(outDir, outRel, m, r.args, r.files, { swtpm }, { blobs: blobSizes(r.files.migration) }));
    } catch (e) {
      console.error(`QEMU ${q.version} ${m.label}: ${e.message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(join(q.chroot ?? '', ZERO_BIOS), { force: true });
  writeManifest(outDir, fixtures, {
    made: opt('--machines') ? new Set(MACHINES.map((m) => m.label)) : null,
    description: 'scripts/make-tpm-fixtures.mjs: per machine one stopped VM with one TPM front-end on a fresh swtpm; a device-state file with and one without footers (a second VM of the same arguments with Xen\'s framing, its own swtpm on a copy of the same TPM state), and the migration stream of the first VM (the truth, with its JSON description; guest RAM shared and not sent).',
    qemu: qemuVersionText(q.chroot) });
}
