// RAM blocks: a migration stream's `ram` section starts with RAM_SAVE_FLAG_MEM_SIZE and the list of
// the writer's RAM blocks (idstr, used length). The target walks that list in order and stops at
// the first block it cannot take (migration/ram.c parse_ramblocks / parse_ramblock, the same in
// QEMU 7.2, 10.0 and 11.1):
// - no block of that idstr: `Unknown ramblock "ID", cannot accept migration`;
// - another used length (after rounding up to the host page, 4 KiB here) on a fixed block:
//   system/physmem.c qemu_ram_resize "Size mismatch: ID: 0xINCOMING != 0xLOCAL"; on a resizeable
//   block (fw_cfg blobs such as ACPI tables) it is resized, unless the length is above the block's
//   maximum: "Size too large: ID: 0xINCOMING > 0xMAX".
// The target's blocks are facts recorded from the real program per machine type
// (scripts/lib/compat-ramblocks.mjs): with the recorded options, the default firmware and each
// probe device's default ROM file. A size the command line sets (-m, memory backends) is not
// compared, and a block the recorded VM lacks may still come from the target's command line: both
// are said, never guessed.

/** One block of the target (its device blocks keyed without their qdev path). */
export interface RamBlockFact {
  name: string;
  used: number;
  max: number;
  resizeable: boolean;
  /** A device's block ("e1000.rom" of "0000:00:03.0/e1000.rom"). */
  device?: boolean;
  /** A memory backend's block: its size is -m or the backend's size=, not the machine's. */
  memdev?: boolean;
}

export interface RamBlockFacts {
  /** The options every machine type was started with. */
  options: string[];
  /** The probe devices whose blocks were recorded (where the machine has PCI). */
  devices: string[];
  sets: RamBlockFact[][];
  /** Machine type -> its block list in `sets`. */
  machines: Record<string, number>;
  /** Machine types that refused a probe device: their device blocks are unknown. */
  withoutDevices?: string[];
}

export interface RamBlockFinding {
  severity: 'fail' | 'warning' | 'note';
  message: string;
}

const HOST_PAGE = 4096;
const hex = (n: number) => `0x${n.toString(16)}`;

/** A machine type without its version: the types one machine of several QEMU releases has ("pc-q35"). */
const machineFamily = (type: string) => type.replace(/-\d+\.\d+$/, '');

/**
 * The used lengths a machine's own block NAME has by default on every machine type of MACHINE's
 * family in every recorded QEMU (FACTS: the target's and the other versions').
 */
function defaultLengths(facts: readonly (RamBlockFacts | undefined)[], machine: string, name: string): Set<number> {
  const out = new Set<number>();
  for (const f of facts) {
    for (const [type, i] of Object.entries(f?.machines ?? {})) {
      if (machineFamily(type) !== machineFamily(machine)) continue;
      for (const b of f!.sets[i]) if (b.name === name && !b.device) out.add(b.used);
    }
  }
  return out;
}

/**
 * The file's `blocks` (MEM_SIZE order) against the target's blocks for `machine`; stops at the
 * first failure. OTHERS: the other recorded QEMU versions' facts, which tell whether a machine
 * block's length in the file is one any of them gives by default.
 */
export function checkRamBlocks(blocks: readonly { name: string; length: number }[], facts: RamBlockFacts | undefined, machine: string, version: string, others: readonly (RamBlockFacts | undefined)[] = []): RamBlockFinding[] {
  const at = `QEMU ${version}'s ${machine}`;
  if (!facts) return [{ severity: 'warning', message: `not checked: QEMU ${version}'s data has no RAM block lists (scripts/make-compat-fixtures.mjs --ram-blocks-only)` }];
  const set = facts.machines[machine] === undefined ? undefined : facts.sets[facts.machines[machine]];
  if (!set) return [{ severity: 'warning', message: `not checked: QEMU ${version}'s data has no RAM block list for machine type ${machine}` }];
  const out: RamBlockFinding[] = [];
  const memdevs: string[] = [];
  for (const b of blocks) {
    // A device's block is "QDEV-PATH/NAME"; a machine's has no path, a fw_cfg blob's starts with '/'.
    const cut = b.name.startsWith('/') ? -1 : b.name.indexOf('/');
    const key = cut > 0 ? b.name.slice(cut + 1) : b.name;
    const mine = set.find((f) => f.name === key && !!f.device === cut > 0);
    if (!mine) {
      if (cut > 0) {
        const probed = !facts.withoutDevices?.includes(machine) && set.some((f) => f.device);
        out.push({ severity: 'warning', message: `not checked: RAM block '${b.name}': ${probed ? `none of the devices recorded on ${at} (${facts.devices.join(', ')}) has a block '${key}'` : `no device blocks were recorded on ${at}`}` });
      } else {
        out.push({ severity: 'warning', message: `cannot tell: ${at} started with ${facts.options.join(' ')} has no RAM block '${b.name}'; QEMU refuses it (Unknown ramblock "${b.name}", cannot accept migration) unless its command line creates it (a memory backend -object memory-backend-*,id=${b.name}, a NUMA node or a device)` });
      }
      continue;
    }
    if (mine.memdev) {
      memdevs.push(`${b.name} ${hex(b.length)}`);
      continue;
    }
    const length = Math.ceil(b.length / HOST_PAGE) * HOST_PAGE;
    if (length === mine.used) continue;
    // What the recorded size assumed, and which options would change it.
    const why = `${at} has ${hex(mine.used)}${mine.resizeable ? `, at most ${hex(mine.max)}` : ''} with ${cut > 0 ? "the device's defaults: its romfile=, romsize= or vgamem_mb= change that" : 'its default firmware: -bios or -drive if=pflash change that'}`;
    // A machine block's length is its firmware file's (hw/i386/x86-common.c x86_bios_rom_init sizes
    // pc.bios by the -bios file): a length no recorded QEMU gives this machine by default means the
    // writer was given its own file, and a target given the same file has the same length.
    if (!mine.resizeable && cut < 0 && others.length && !defaultLengths([facts, ...others], machine, b.name).has(length)) {
      out.push({ severity: 'warning', message: `cannot tell: ${b.name} is ${hex(length)} in the file, a length no recorded QEMU gives ${machineFamily(machine)} by default (a firmware of the command line's own); QEMU refuses it (Size mismatch: ${b.name}: ${hex(length)} != ${hex(mine.used)}) unless the target is given a file of that length too` });
      continue;
    }
    if (!mine.resizeable) {
      out.push({ severity: 'fail', message: `Size mismatch: ${b.name}: ${hex(length)} != ${hex(mine.used)} (${why})` });
      return out;
    }
    if (length > mine.max) {
      out.push({ severity: 'fail', message: `Size too large: ${b.name}: ${hex(length)} > ${hex(mine.max)} (${why})` });
      return out;
    }
  }
  if (memdevs.length) out.push({ severity: 'note', message: `RAM sizes come from the target's command line, not its machine: start it with the same -m and memory backends (${memdevs.join(', ')})` });
  return out;
}
