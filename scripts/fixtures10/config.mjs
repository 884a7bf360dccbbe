// The VM configurations (paths are inside the chroot) and the fixture list of
// scripts/make-fixtures-qemu10.mjs.
import { S390X, WORK, X86, hex } from './context.mjs';

// ---------------------------------------------------------------------------------------------
// VM configurations (paths are inside the chroot)

const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const nullDisk = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];

const Q35 = [
  '-M', 'q35', '-m', '64', '-smp', '2', ...COMMON, // ich9-ahci is built in
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0', // adds the old-style "slirp" section
  '-device', 'e1000e,netdev=net0,mac=52:54:00:12:36:56,romfile=',
  '-device', 'virtio-net-pci,mac=52:54:00:12:36:57,romfile=', // no netdev ("has no peer" warning)
  '-device', 'qemu-xhci,id=xhci', '-device', 'usb-tablet,bus=xhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
];

const PC = [
  '-M', 'pc', '-m', '32', '-smp', '2', ...COMMON,
  '-audiodev', 'none,id=snd0',
  '-device', 'e1000,mac=52:54:00:12:36:58,romfile=',
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'piix3-usb-uhci,id=uhci', '-device', 'usb-tablet,bus=uhci.0',
  '-device', 'AC97,audiodev=snd0',
  '-device', 'lsi53c895a,id=scsi0', ...nullDisk('scsidisk'), '-device', 'scsi-hd,drive=scsidisk,bus=scsi0.0',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'virtio-rng-pci',
];

// s390-ccw-virtio: the channel subsystem's "css" field is an array of 256 pointers (one per CSSID)
// of which only css[0xfe], the virtual CSS, is non-NULL -> nullptr runs in the JSON.
const S390 = ['-M', 's390-ccw-virtio', '-m', '64', ...COMMON, '-device', 'virtio-rng-ccw'];

export const RAM_PATTERN = 'ram-pattern.bin';
export const RAM_PATTERN_SIZE = 16 * 1024;
export const RAM_PATTERN_SEED = 'vmstate-explorer qemu10 ram-pattern v1';
export const RAM_PATTERN_ADDR = 0x100000;
const MAPPED = ['-M', 'pc', '-m', '8', ...COMMON,
  '-device', `loader,file=${WORK}/${RAM_PATTERN},addr=${hex(RAM_PATTERN_ADDR)},force-raw=on`];
const MAPPED_CAPS = [{ capability: 'mapped-ram', state: true }];

// multifd over a unix socket: the main channel (a QEVM stream with RAM MULTIFD_FLUSH records and no
// page records) and the multifd channels (not QEVM streams) are captured by a tee between the source
// and a destination QEMU. Only the main channel is a stream our decoder reads.
const MULTIFD = ['-M', 'pc', '-m', '32', ...COMMON,
  '-device', `loader,file=${WORK}/${RAM_PATTERN},addr=${hex(RAM_PATTERN_ADDR)},force-raw=on`];
const MULTIFD_CAPS = [{ capability: 'multifd', state: true }];
export const MULTIFD_CHANNELS = 2;

// multifd with a running guest: scripts/guests/x86-dirty.S as the firmware keeps rewriting 16 pages,
// so pages are sent again in later rounds and the destination keeps their last write (the oracle
// of src/format/multifd-merge.ts's order, pc-multifd-dirty-dest-ram.json).
// Its files live in a folder of their own: the fuzz (src/format/testing/fuzz-cases.ts) takes every
// .bin file of the version's folder as input i modulo their count, so a new one there would move
// the recorded cases.
export const DIRTY_DIR = 'multifd-dirty';
export const DIRTY_ROM = `${DIRTY_DIR}/dirty-x86.rom`;
const MULTIFD_DIRTY = ['-M', 'pc', '-m', '32', ...COMMON.filter((a) => a !== '-S'), '-bios', `${WORK}/${DIRTY_ROM}`];

// postcopy over a unix socket, both sides with postcopy-ram: the source is slowed down so that the
// precopy phase is still running when migrate-start-postcopy arrives. The main channel then holds
// POSTCOPY_ADVISE, precopy RAM, a PACKAGED command (POSTCOPY_LISTEN, the device sections, PING,
// POSTCOPY_RUN; no EOF), then the remaining RAM, RAM END and EOF, and no vmdesc (format.md §5.2).
// Same VM as the multifd fixture, whose vmdesc describes it (describedBy).
const POSTCOPY = MULTIFD;
const POSTCOPY_CAPS = [{ capability: 'postcopy-ram', state: true }];
export const POSTCOPY_PRECOPY_BANDWIDTH = 32 * 1024;

export const FIXTURES = [
  { file: 'q35-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35 },
  { file: 'pc-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC },
  { file: 'pc-devstate.bin', kind: 'devstate', machine: 'pc', binary: X86, args: PC, describedBy: 'pc-migration.bin' },
  { file: 's390x-migration.bin', kind: 'migration', machine: 's390-ccw-virtio', binary: S390X, args: S390 },
  { file: 'pc-mapped-ram.bin', kind: 'mapped-ram', machine: 'pc', binary: X86, args: MAPPED, migrationCapabilities: MAPPED_CAPS, inputs: [RAM_PATTERN] },
  { file: 'pc-multifd-main.bin', kind: 'multifd-main', machine: 'pc', binary: X86, args: MULTIFD, migrationCapabilities: MULTIFD_CAPS, inputs: [RAM_PATTERN],
    channelFiles: Array.from({ length: MULTIFD_CHANNELS }, (_, i) => `pc-multifd-channel${i}.bin`) },
  // Slow enough (8 MiB/s) that the guest runs between the rounds and writes new values.
  { file: `${DIRTY_DIR}/pc-multifd-dirty-main.bin`, kind: 'multifd-main', machine: 'pc', binary: X86, args: MULTIFD_DIRTY, migrationCapabilities: MULTIFD_CAPS, inputs: [DIRTY_ROM], maxBandwidth: 8 * 1024 * 1024,
    channelFiles: Array.from({ length: MULTIFD_CHANNELS }, (_, i) => `${DIRTY_DIR}/pc-multifd-dirty-channel${i}.bin`) },
  { file: 'pc-postcopy-main.bin', kind: 'postcopy-main', machine: 'pc', binary: X86, args: POSTCOPY, migrationCapabilities: POSTCOPY_CAPS, inputs: [RAM_PATTERN], describedBy: 'pc-multifd-main.bin' },
];
