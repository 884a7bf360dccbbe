// The fewest bytes one element of a described field can take in the stream: a lower bound that
// needs no bytes, computed from the description alone. A counted field (array_len, or a count read
// from a sibling) whose count times this exceeds the bytes the file has left cannot be read: QEMU's
// loader (migration/vmstate.c vmstate_load_state, one element after another, n_elems from
// vmstate_n_elems) would hit the end of the file first. vmsd-decoder.ts refuses such a count where
// it starts instead of decoding element after element up to the node budget (a fuzzed array_len
// of 0xffffffff on a 1-byte field: 349,000 nodes and 0.6-0.9 s before it ran out of file).
// A lower bound, never a guess: where the bytes an element takes depend on the data (virtio state,
// lengths read from siblings), the bound counts 0 for it, so a valid stream is never refused.

import type { Cursor } from './cursor.ts';
import { DecodeError, quoted } from './errors.ts';
import { fieldType, isLeafType } from './field-types/index.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';

/** Deeper descriptions count 0 below this level (the decoder stops at 64 anyway: MAX_DEPTH). */
const MAX_DEPTH = 80;

/**
 * A count whose elements cannot fit in what the file has left is QEMU's "Unexpected end of file"
 * before it has read them all: refused where the field starts, with everything before it decoded
 * (a fuzzed capabilities count of 0x80000000 took seconds; an array_len of 0xffffffff, 0.6 s).
 */
export function refuseImpossibleCount(c: Cursor, f: VmdescField, n: number, path: string): void {
  const least = n * minElementBytes(f);
  if (least > c.fileLeft) throw new DecodeError('truncated', c.pos, `${n} elements of ${quoted(f.name)} (at least ${least} bytes), but the file has ${c.fileLeft} left`, path || undefined);
}

/** Per field object: descriptions are shared and walked once per section, so this is asked often. */
const memo = new WeakMap<VmdescField, number>();

/** Fewest bytes one element of `f` reads (its array_len not counted). */
export function minElementBytes(f: VmdescField, depth = 0): number {
  const known = memo.get(f);
  if (known !== undefined) return known;
  const n = compute(f, depth);
  memo.set(f, n);
  return n;
}

/** Fewest bytes the fields of one vmsd read; subsections are optional, so they count 0. */
export function minBodyBytes(body: Partial<Pick<VmsdDesc, 'fields'>>, depth = 0): number {
  if (depth > MAX_DEPTH) return 0;
  let sum = 0;
  for (const f of body.fields ?? []) {
    // A count read from a sibling is data: this field may take no bytes at all.
    if (f.array_len_from !== undefined) continue;
    const n = f.array_len ?? 1;
    if (Number.isSafeInteger(n) && n > 0) sum += n * minElementBytes(f, depth + 1);
  }
  return sum;
}

function compute(f: VmdescField, depth: number): number {
  if (f.size_from !== undefined) return 0;
  switch (f.type) {
    case 'struct': {
      const s = f.struct ?? {};
      // 7.2's NULL pointer in a pointer array: an empty struct, read as the 0x30 marker.
      if (!s.fields && !s.vmsd_name) return 1;
      return minBodyBytes(s, depth);
    }
    case 'vstruct':
    case 'tmp':
      return minBodyBytes(f, depth);
    case 'qtailq':
    case 'qlist':
      // An empty queue is its 0x00 end marker.
      return 1;
    case 'nullptr':
    case 'ptr-marker':
      return 1;
    case 'virtio':
      // virtio_save's output is decoded by its layout (virtio/): its length is the device's.
      return 0;
    case 'pci irq state':
      if (f.size === 16) return 16;
  }
  if (!Number.isSafeInteger(f.size) || f.size < 0) return 0;
  // A leaf type reads its size (a counted string at least its length byte); opaque bytes their size.
  if (isLeafType(f.type, f.size)) return fieldType(f.type, f.size).minBytes?.(f.size) ?? f.size;
  return f.size;
}
