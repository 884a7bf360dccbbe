// The aarch64 CPU's coprocessor register list, which is what makes most cross-version loads of an
// Arm guest fail (target/arm/machine.c). The `cpu` section carries cpreg_vmstate_array_len and
// two arrays of that length: register indexes (KVM-style 64-bit ids, sorted ascending) and values.
// The destination checks, in this order:
// - the length, VMSTATE_INT32_POSITIVE_LE against its own list's length: "Invalid value N
//   expecting positive value <= M" (migration/vmstate-types.c get_int32_le). The field's type in
//   the target's JSON description says whether it does: "int32 le" in 7.2 and 10.0; 11.1 sends a
//   plain "int32" and sizes its arrays to the incoming list (a 275-register 10.0 list loads);
// - in cpu_post_load, a merge of the two sorted lists: a register the destination lacks fails the
//   load (QEMU 11.1 names it: handle_cpreg_only_in_incoming_stream; 7.2 and 10.0 return -1 and
//   print only the section), one the stream lacks is skipped.
// The destination's own list is that of its reference VM with the same CPU model (the lists are a
// property of CPU model and version, not of the guest). Verified against real loads between
// 7.2, 10.0 and 11.1 for cortex-a57 and max (compat-aarch64.test.ts).

import type { FieldNode, StreamRecord } from '../model.ts';

export type Read = (offset: number, length: number) => Promise<Uint8Array>;

function find(nodes: readonly FieldNode[] | undefined, name: string): FieldNode | undefined {
  return nodes?.find((n) => n.path.endsWith(`/${name}`) || n.path === name);
}

/** The register indexes of a decoded `cpu` section, read from the bytes (they exceed 2^53). */
export async function cpregIndexes(r: StreamRecord, read: Read): Promise<{ indexes: bigint[]; offset: number; lengthOffset: number; lengthType: string } | null> {
  const len = find(r.fields, 'cpreg_vmstate_array_len');
  const node = find(r.fields, 'cpreg_vmstate_indexes');
  if (!len || !node || node.size % 8) return null;
  const bytes = await read(node.offset, node.size);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indexes: bigint[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) indexes.push(v.getBigUint64(i));
  return { indexes, offset: node.offset, lengthOffset: len.offset, lengthType: len.type ?? '' };
}

/**
 * The register list of a `cpu` section no description decoded, read where the target's own
 * layout of the same section version has it (the fields before it are fixed-size registers). Taken
 * only if it looks like one: a length that fits the section and KVM ids of the arm register
 * classes (0x40.. AArch32, 0x60.. AArch64) in ascending order, as QEMU sorts them.
 */
export async function cpregIndexesAt(read: Read, lengthOffset: number, sectionEnd: number): Promise<{ indexes: bigint[]; offset: number; lengthOffset: number; lengthType: string } | null> {
  if (lengthOffset + 4 > sectionEnd) return null;
  const head = await read(lengthOffset, 4);
  const n = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
  if (n <= 0 || lengthOffset + 4 + n * 16 > sectionEnd) return null;
  const bytes = await read(lengthOffset + 4, n * 8);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indexes: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const k = v.getBigUint64(i * 8);
    const cls = k >> 56n;
    if ((cls !== 0x40n && cls !== 0x60n) || (i > 0 && k <= indexes[i - 1])) return null;
    indexes.push(k);
  }
  return { indexes, offset: lengthOffset + 4, lengthOffset, lengthType: '' };
}

/**
 * How QEMU prints a register: its own 32-bit cpreg id from the KVM id (target/arm/cpu.h
 * kvm_to_cpreg_id: AArch64 registers get CP_REG_AA64_MASK, AArch32 ones the non-secure bit and,
 * for 64-bit ones, bit 15).
 */
export function cpregName(kvmId: bigint): string {
  let id = kvmId & 0xffffffffn;
  if ((kvmId & 0xff00000000000000n) === 0x6000000000000000n) id |= 0x10000000n;
  else {
    if ((kvmId & 0x00f0000000000000n) === 0x0030000000000000n) id |= 0x8000n;
    id |= 0x20000000n;
  }
  return `0x${id.toString(16)}`;
}

/** QEMU's verdict on the incoming list against the destination's; null when it loads. */
export function compareCpregs(mine: bigint[], theirs: bigint[], targetVersion: string, instanceId: number, lengthChecked: boolean): { message: string; index?: number } | null {
  if (lengthChecked && mine.length > theirs.length) return { message: `Invalid value ${mine.length} expecting positive value <= ${theirs.length}` };
  const known = new Set(theirs);
  const index = mine.findIndex((k) => !known.has(k));
  if (index < 0) return null;
  // QEMU 11.1 names the register; older ones only fail the section's post_load.
  const message = Number(targetVersion.split('.')[0]) >= 11
    ? `handle_cpreg_only_in_incoming_stream: system register ${cpregName(mine[index])} in the incoming stream but unknown on the destination: fail migration`
    : `error while loading state for instance 0x${instanceId.toString(16)} of device 'cpu'`;
  return { message, index };
}

/** Share of registers two lists have in common: which reference CPU model a file's CPU is closest to. */
export function similarity(a: bigint[], b: bigint[]): number {
  const set = new Set(b);
  const common = a.filter((k) => set.has(k)).length;
  return common / (a.length + b.length - common || 1);
}
