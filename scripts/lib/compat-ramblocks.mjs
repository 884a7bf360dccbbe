// The RAM blocks a QEMU version creates for each of its machine types, for the compatibility check
// (src/format/compat/ram-blocks.ts). An incoming stream's RAM_SAVE_FLAG_MEM_SIZE record lists every
// block by idstr and used length; the target looks each one up by idstr and fails on an unknown one
// ("Unknown ramblock"), and on a length that differs from its own unless the block is resizeable
// and the length fits its maximum (migration/ram.c parse_ramblock, system/physmem.c
// qemu_ram_resize: "Size mismatch", "Size too large"; the same words in 7.2, 10.0 and 11.1).
//
// Gathered from the real program: each machine type is started (-S, COMMON's options, plus the
// arch's probe devices that have option ROMs or video RAM where the machine has PCI) and asked
// `info ramblock` (idstr, used length, max length) and query-memdev (the memory backends, whose
// size is the command line's -m or size=, not the machine's).
import { execFileSync } from 'node:child_process';
import { COMMON, quit, start } from './compat-qemu.mjs';

/**
 * Devices whose RAM blocks (PCI option ROMs from their default romfile, video RAM) the check may
 * meet in a file. Kept to types every recorded version offers (checked against -device help), and
 * to one legacy-VGA device: a second would claim the same VGA ports.
 */
export const ROM_DEVICES = {
  x86_64: ['e1000', 'e1000e', 'igb', 'rtl8139', 'virtio-net-pci', 'vmxnet3', 'ne2k_pci', 'pcnet', 'VGA', 'bochs-display', 'secondary-vga'],
  aarch64: ['e1000', 'e1000e', 'igb', 'rtl8139', 'virtio-net-pci', 'VGA', 'bochs-display'],
  ppc64: ['e1000', 'e1000e', 'igb', 'rtl8139', 'virtio-net-pci', 'VGA', 'bochs-display'],
  s390x: [],
};
/** The machine families the check knows (src/format/compat/check.ts machineFamily), x86's microvm and isapc. */
const FAMILIES = { x86_64: /^(pc|q35|microvm|isapc)\b/, aarch64: /^virt\b/, ppc64: /^pseries\b/, s390x: /^s390-ccw-virtio\b/ };
/** Machine types without PCI (x86 microvm has it only with pcie=on): no probe devices there. */
const NO_PCI = new Set(['microvm', 'isapc']);
/** Extra options a machine needs to start at all (the sPAPR firmware wants 256 MiB). */
const MACHINE_ARGS = { ppc64: ['-m', '256'] };

const run = (v, binary, args) =>
  v.root === '/' ? execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) : execFileSync('chroot', [v.root, binary, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `info ramblock` rows: "name  4 KiB  0xOFFSET 0xUSED 0xTOTAL [HVA RO]" (system/physmem.c ram_block_format). */
export function parseRamblockInfo(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\d+ \S+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/i.exec(line);
    if (m) out.push({ name: m[1], used: parseInt(m[2], 16), max: parseInt(m[3], 16) });
  }
  return out;
}

/**
 * One machine type's blocks. resizeable: a max above the used length (qemu_ram_alloc_internal
 * gives a fixed block max == used), or a fw_cfg blob, whose block hw/core/loader.c rom_set_mr
 * always makes resizeable and names "/rom@FILE" (etc/acpi/rsdp has max == used).
 * Device blocks are keyed by what follows their qdev path ("0000:00:03.0/e1000.rom" -> e1000.rom):
 * the same device elsewhere on the bus has the same block.
 */
async function machineBlocks(v, arch, archName, type, devices) {
  const q = await start(v, arch, [...COMMON, ...(MACHINE_ARGS[archName] ?? []), '-M', type, ...devices.flatMap((d) => ['-device', d])]);
  if (!q.qmp) {
    await q.exited;
    return { error: q.stderr().trim().split('\n')[0] };
  }
  try {
    const rows = parseRamblockInfo(await q.qmp.hmp('info ramblock'));
    const memdevs = new Set((await q.qmp.execute('query-memdev')).map((m) => m.id).filter(Boolean));
    return {
      blocks: rows.map((r) => {
        const cut = r.name.startsWith('/') ? -1 : r.name.indexOf('/');
        return {
          name: cut > 0 ? r.name.slice(cut + 1) : r.name,
          used: r.used,
          max: r.max,
          resizeable: r.max > r.used || r.name.startsWith('/rom@'),
          ...(cut > 0 ? { device: true } : {}),
          ...(memdevs.has(r.name) ? { memdev: true } : {}),
        };
      }),
    };
  } finally {
    await quit(q);
  }
}

/**
 * Every machine type's RAM blocks of QEMU version v (`machines`: its -machine help list), stored
 * once per distinct list: { options, devices, sets: [[block...]], machines: { type: index } };
 * withoutDevices: types that refused a probe device (their device blocks are unknown).
 */
export async function ramBlockFacts(v, arch, archName, machines, log = () => {}) {
  const offered = new Set([...run(v, arch.binary, ['-device', 'help']).matchAll(/^name "([^"]+)"/gm)].map((m) => m[1]));
  const devices = (ROM_DEVICES[archName] ?? []).filter((d) => offered.has(d));
  const sets = [];
  const keys = new Map();
  const byMachine = {};
  const failed = {};
  const withoutDevices = [];
  for (const type of machines) {
    if (!FAMILIES[archName]?.test(type)) continue;
    let r = await machineBlocks(v, arch, archName, type, NO_PCI.has(type) ? [] : devices);
    // A machine that refuses one of the probe devices still has its own blocks.
    if (r.error && devices.length && !NO_PCI.has(type)) {
      r = await machineBlocks(v, arch, archName, type, []);
      if (!r.error) withoutDevices.push(type);
    }
    if (r.error) {
      failed[type] = r.error;
      continue;
    }
    const key = JSON.stringify(r.blocks);
    if (!keys.has(key)) keys.set(key, sets.push(r.blocks) - 1);
    byMachine[type] = keys.get(key);
    log(v.version, type, r.blocks.length, 'RAM blocks');
  }
  return { options: [...COMMON, ...(MACHINE_ARGS[archName] ?? [])], devices, sets, machines: byMachine, ...(withoutDevices.length ? { withoutDevices } : {}), ...(Object.keys(failed).length ? { failed } : {}) };
}
