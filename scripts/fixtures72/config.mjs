// The QEMU 7.2 fixtures of scripts/make-fixtures.mjs: where they go, the VM configurations and the
// list of fixtures with what each one is made from.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../lib/qemu.mjs';

export const FIX_REL = 'public/fixtures';
export const FIX = resolve(REPO_ROOT, FIX_REL);
export const X86 = 'qemu-system-x86_64';
export const ARM = 'qemu-system-aarch64';
export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
export const log = (...a) => console.log('[fixtures]', ...a);

// ---------------------------------------------------------------------------------------------
// VM configurations

const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const nullDisk = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];

// NICs get fixed MACs and romfile= (no option ROM: keeps the RAM part of the streams small).
const PC_DEVICES = [
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0', // adds the old-style "slirp" section
  '-device', 'e1000,netdev=net0,mac=52:54:00:12:34:56,romfile=',
  '-device', 'rtl8139,mac=52:54:00:12:34:57,romfile=', // no netdev ("has no peer" warning)
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'ich9-ahci',
  '-device', 'lsi53c895a,id=scsi0', ...nullDisk('scsidisk'), '-device', 'scsi-hd,drive=scsidisk,bus=scsi0.0',
  '-device', 'piix3-usb-uhci,id=uhci', '-device', 'usb-tablet,bus=uhci.0', '-device', 'usb-kbd,bus=uhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  '-device', 'AC97,audiodev=snd0',
  '-device', 'i6300esb',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'virtio-balloon-pci',
  '-device', 'virtio-rng-pci',
  '-device', 'virtio-serial-pci', '-chardev', 'null,id=con0', '-device', 'virtconsole,chardev=con0',
  '-device', 'VGA',
];
const PC = ['-M', 'pc', '-m', '32', '-smp', '2', ...COMMON, ...PC_DEVICES];
const XEN_GLOBALS = [
  '-global', 'migration.send-section-footer=off',
  '-global', 'migration.send-configuration=off',
  '-global', 'migration.store-global-state=off',
];
const PC_XEN = ['-M', 'pc,suppress-vmdesc=on', '-m', '32', '-smp', '2', ...COMMON, ...PC_DEVICES, ...XEN_GLOBALS];

const Q35 = [
  '-M', 'q35', '-m', '32', '-smp', '2', ...COMMON, // ich9-ahci, ICH9 LPC/SMBus are built in
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0',
  '-device', 'e1000e,netdev=net0,mac=52:54:00:12:35:56,romfile=',
  '-device', 'virtio-net-pci,mac=52:54:00:12:35:57,romfile=', // no netdev
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'qemu-xhci,id=xhci', '-device', 'usb-tablet,bus=xhci.0', '-device', 'usb-kbd,bus=xhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  '-device', 'i6300esb',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'VGA',
];

export const RAM_PATTERN = 'pc-ram-pattern.bin';
export const RAM_PATTERN_SIZE = 64 * 1024;
const PC_RAM = ['-M', 'pc', '-m', '16', ...COMMON,
  '-device', `loader,file=${FIX_REL}/${RAM_PATTERN},addr=0x100000,force-raw=on`];

const UUID = '6b1d3c2a-9a5e-4c1f-8e2d-0123456789ab';
const PC_CONFIG = ['-M', 'pc', '-m', '16', ...COMMON, '-uuid', UUID];
const CONFIG_CAPS = [{ capability: 'x-ignore-shared', state: true }, { capability: 'validate-uuid', state: true }];

// -seed 1: virt otherwise writes a random rng-seed into the DTB in guest RAM (format.md §12).
const VIRT = ['-M', 'virt', '-cpu', 'cortex-a57', '-m', '32', '-seed', '1', ...COMMON, '-device', 'virtio-rng-pci'];

// Guests that run: a tiny program gives every general register a distinct value and halts, so the
// registers a decoder reads can be told apart (scripts/guests/*.S, assembled by assembleGuests()).
// x86 boots it as the firmware (-bios: the reset vector is in the BIOS ROM, see x86-regs.S);
// aarch64 loads it into RAM with -device loader, cpu-num=0 (which sets the PC; above the 1 MiB the
// DTB takes at the start of RAM).
export const REGS_X86 = 'regs-x86.rom';
export const REGS_ARM = 'regs-aarch64.bin';
export const REGS_ARM_ADDR = 0x40100000;
const PC_REGS = ['-M', 'pc', '-m', '16', ...COMMON, '-bios', `${FIX_REL}/${REGS_X86}`];
const Q35_REGS = ['-M', 'q35', '-m', '16', ...COMMON, '-bios', `${FIX_REL}/${REGS_X86}`];
const VIRT_REGS = ['-M', 'virt', '-cpu', 'cortex-a57', '-m', '32', '-seed', '1', ...COMMON,
  '-device', `loader,file=${FIX_REL}/${REGS_ARM},addr=0x${REGS_ARM_ADDR.toString(16)},cpu-num=0`];
const X86_HALTED = (regs) => /\bHLT=1\b/.test(regs);


export const FIXTURES = [
  { file: 'pc-devstate.bin', kind: 'devstate', machine: 'pc', binary: X86, args: PC, describedBy: 'pc-migration.bin' },
  { file: 'pc-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC },
  { file: 'pc-xen-devstate.bin', kind: 'devstate-xen', machine: 'pc', binary: X86, args: PC_XEN, describedBy: 'pc-migration.bin', verbatimIn: 'pc-xen-migration.bin' },
  { file: 'pc-xen-migration.bin', kind: 'migration-xen', machine: 'pc', binary: X86, args: PC_XEN, describedBy: 'pc-migration.bin' },
  { file: 'q35-devstate.bin', kind: 'devstate', machine: 'q35', binary: X86, args: Q35, describedBy: 'q35-migration.bin' },
  { file: 'q35-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35 },
  { file: 'q35-colo.bin', kind: 'colo', machine: 'q35', binary: X86, args: Q35, describedBy: 'q35-migration.bin', derivedFrom: 'q35-devstate.bin' },
  { file: 'pc-ram-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_RAM, inputs: [RAM_PATTERN] },
  { file: 'pc-config-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_CONFIG, migrationCapabilities: CONFIG_CAPS },
  { file: 'virt-devstate.bin', kind: 'devstate', machine: 'virt', binary: ARM, args: VIRT, describedBy: 'virt-migration.bin' },
  { file: 'virt-migration.bin', kind: 'migration', machine: 'virt', binary: ARM, args: VIRT },
  { file: 'pc-regs-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_REGS, inputs: [REGS_X86], runsUntil: X86_HALTED },
  { file: 'q35-regs-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35_REGS, inputs: [REGS_X86], runsUntil: X86_HALTED },
  { file: 'virt-regs-migration.bin', kind: 'migration', machine: 'virt', binary: ARM, args: VIRT_REGS, inputs: [REGS_ARM], runsUntil: 'armHalted' },
];

export const NOT_INCLUDED = [
  { device: 'nvme', reason: 'QMP xen-save-devices-state kills QEMU 7.2 with SIGSEGV when attached (unmigratable device, no blocker check on that path; format.md §12, re-checked)' },
  { device: 'usb-net', reason: 'same: SIGSEGV in xen-save-devices-state (re-checked)' },
  { device: 'usb-audio', reason: 'same: SIGSEGV in xen-save-devices-state (re-checked)' },
];
