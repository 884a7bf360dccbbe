// More evidence of which QEMU wrote a file without a description, for the versions whose layouts
// frame it equally (version-consensus.ts). Layouts alone cannot tell QEMU 7.2, 10.0 and 11.1 apart on
// ppc64 pseries or s390x: the sections have the same sizes, version ids and order. What differs:
//   - values QEMU writes the same way every time: globalstate's byte 36 (writtenValues);
//   - subsections a version's probes never sent for a vmsd its -dump-vmstate does not list (the
//     machine's own sections: cpu, spapr; neverSentBy);
//   - subsections every probe of a version sent, missing from the file (lackingAlwaysSent);
//   - sections a version's bare machine always writes, missing between their neighbours (missingFrom).
// The last three describe each QEMU with its newest machine type (the library's probes ran only that):
// a newer QEMU running an older machine type writes much like the older QEMU, and is not told apart.

import type { DescriptionLibrary } from './descriptions.ts';
import type { StreamRecord } from './model.ts';
import type { WindowReader } from './window-reader.ts';

const isDevice = (r: StreamRecord) => r.kind === 'section' && r.idstr !== undefined && (r.sectionType === 'full' || r.sectionType === 'start');
const vmsdOf = (idstr: string) => idstr.slice(idstr.lastIndexOf('/') + 1);

/**
 * QEMU ≥ 9.0 cut globalstate's `runstate[100]` into runstate[32], has_vm_was_suspended,
 * vm_was_suspended, unused[66], and sets has_vm_was_suspended to 1 on every store
 * (migration/global_state.c global_state_do_store, "migration: preserve suspended runstate");
 * before, the same byte was runstate's NUL padding (strpadcpy, the state names are < 32 bytes). So
 * that byte is 1 in a file of a version whose layout has the flag and 0 in one of a version without.
 */
export async function writtenValues(records: StreamRecord[], reader: WindowReader, library: DescriptionLibrary, among: string[]): Promise<string[]> {
  const r = records.find((x) => isDevice(x) && x.idstr === 'globalstate' && x.dataOffset !== undefined && x.versionId !== undefined);
  if (!r) return among;
  const cands = library.candidates('globalstate', r.versionId!);
  let at = -1;
  for (const c of cands) {
    let off = 0;
    for (const f of c.fields ?? []) {
      if (f.name === 'has_vm_was_suspended') at = off;
      off += f.size;
    }
  }
  if (at < 0 || r.dataSize === undefined || at >= r.dataSize) return among;
  const win = await reader.at(r.dataOffset! + at, 1);
  const flag = win.bytes[r.dataOffset! + at - win.base];
  return among.filter((v) => {
    const mine = cands.filter((c) => c.versions?.includes(v));
    if (!mine.length) return true;
    const hasFlag = mine.map((c) => (c.fields ?? []).some((f) => f.name === 'has_vm_was_suspended'));
    if (hasFlag.every(Boolean)) return flag === 1;
    if (!hasFlag.some(Boolean)) return flag === 0;
    return true;
  });
}

const subsectionsOf = (r: StreamRecord) => (r.fields ?? []).filter((n) => n.kind === 'subsection' && n.vmsdName).map((n) => n.vmsdName!);

/**
 * The versions of `among` whose probes sent every subsection the file's sections carry (where their
 * dump is silent): QEMU 10.0's ppc cpu sends cpu/bhrb, 7.2 has no such subsection (target/ppc/machine.c).
 */
export function neverSentBy(records: StreamRecord[], library: DescriptionLibrary, among: string[]): string[] {
  let out = among;
  for (const r of records) {
    if (!isDevice(r) || r.decodedBy !== 'bundled' || !subsectionsOf(r).length) continue;
    const no = library.neverSent?.(r.idstr!, subsectionsOf(r)) ?? [];
    out = out.filter((v) => !no.includes(v));
  }
  return out;
}

/**
 * The versions of `among` none of whose always-sent subsections (every probe sent them) a section
 * lacks: QEMU 11.1's pseries CPUs always send cpu/rtas_stopped (the machine's rtas-stopped-state,
 * target/ppc/machine.c rtas_stopped_needed); a file whose cpu sections lack it is not 11.1's.
 * Only sections the library decoded: an undecoded one shows no subsections at all.
 */
export function lackingAlwaysSent(records: StreamRecord[], library: DescriptionLibrary, among: string[]): string[] {
  let out = among;
  for (const r of records) {
    if (!isDevice(r) || r.decodedBy !== 'bundled' || r.versionId === undefined) continue;
    const no = library.alwaysSent?.(r.idstr!, r.versionId, subsectionsOf(r)) ?? [];
    out = out.filter((v) => !no.includes(v));
  }
  return out;
}

/**
 * The versions of `among` none of whose bare-machine orders has a section that is missing from the
 * file although the file has the sections right before and after it in that order (the machine
 * registers it always: s390x's s390_control_program_id from QEMU 10.1 on, hw/s390x/sclpcpi.c).
 */
export function missingFrom(records: StreamRecord[], library: DescriptionLibrary, among: string[]): string[] {
  const orders = library.sectionOrders?.();
  if (!orders?.size) return among;
  const names = new Set(records.filter(isDevice).map((r) => vmsdOf(r.idstr!)));
  const lacks = (order: string[]) => order.some((n, i) => i > 0 && i < order.length - 1 && !names.has(n) && names.has(order[i - 1]) && names.has(order[i + 1]));
  return among.filter((v) => !orders.has(v) || !orders.get(v)!.every(lacks));
}
