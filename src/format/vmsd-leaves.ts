// The leaves of vmsd-decoder.ts's walk, and the small helpers of its field loop: plain leaf
// types, opaque bytes, NULL markers, PCI IRQ state, array element names and lengths read from
// siblings. Kept apart so the walk itself stays readable; the same DecodeContext drives both.

import type { Cursor } from './cursor.ts';
import { DecodeError, makeProblem, quoted } from './errors.ts';
import { decodeLeaf, fieldType, isLeafType, NULLPTR_MARKER, registeredTypes, type FieldType } from './field-types/index.ts';
import type { FieldNode } from './model.ts';
import type { VmdescField } from './vmdesc.ts';
import type { DecodeContext } from './vmsd-decoder.ts';

/** Frame only: what decodeElement returns for an element that would have no children. */
export const FRAMED_LEAF: FieldNode = Object.freeze({ name: '', path: '', kind: 'leaf', type: '', offset: 0, size: 0 });

/**
 * Built-in descriptions (configuration section) use `size_from` / `array_len_from` to name an
 * earlier sibling holding the length, as QEMU's VMS_VBUFFER / VMS_VARRAY_* do in memory.
 */
export function resolveVariable(f: VmdescField, siblings: FieldNode[], c: Cursor, prefix: string): VmdescField {
  if (f.size_from === undefined && f.array_len_from === undefined) return f;
  const r = { ...f };
  if (f.size_from !== undefined) r.size = siblingLength(f.size_from, f, siblings, c, prefix);
  if (f.array_len_from !== undefined) {
    // Checked against the bytes left in decodeFields, as array_len is (element-bytes.ts).
    r.array_len = siblingLength(f.array_len_from, f, siblings, c, prefix);
  }
  return r;
}

// Not a closure in resolveVariable: one capturing its arguments made V8 allocate a context on
// every call, for every field, before the early return.
function siblingLength(name: string, f: VmdescField, siblings: FieldNode[], c: Cursor, prefix: string): number {
  const v = siblings.find((n) => n.name === name)?.value;
  if (typeof v !== 'number' || v < 0) throw new DecodeError('description-mismatch', c.pos, `a length in ${quoted(name)}`, prefix + f.name);
  return v;
}

/**
 * "[0]", "[1]", ... made once and shared: nine in ten nodes are array elements (q35 device state,
 * migration streams), and a template literal per element made three cons strings and two short
 * strings, ~170 bytes kept alive by each node (the path) or dropped (the name). A path made as
 * array path + shared name is one cons string; the values are the same strings as before.
 */
const ELEMENT_NAMES: string[] = [];
const ELEMENT_NAMES_MAX = 1 << 16;
export function elementName(k: number): string {
  if (k < ELEMENT_NAMES.length) return ELEMENT_NAMES[k];
  const name = `[${k}]`;
  if (k === ELEMENT_NAMES.length && k < ELEMENT_NAMES_MAX) ELEMENT_NAMES.push(name);
  return name;
}

/** Field types decodeElement's switch handles itself; every other registered type is a plain leaf. */
const SPECIAL_TYPES = new Set(['struct', 'vstruct', 'tmp', 'qtailq', 'qlist', 'nullptr', 'ptr-marker', 'virtio', 'virtio-gpu', 'pci irq state']);
const PLAIN_LEAVES = new Map([...registeredTypes()].filter(([name]) => !SPECIAL_TYPES.has(name)));

/**
 * The entry of a plain leaf (a registered type that fits `size` and that decodeElement's switch
 * does not handle), else undefined: one lookup per element, the commonest question of the walk.
 */
export function plainLeafType(type: string, size: number): FieldType | undefined {
  const t = PLAIN_LEAVES.get(type);
  return t !== undefined && t.fits(size) ? t : undefined;
}


/**
 * decodeElement's default case for a registered leaf type, its most common by far (integers,
 * bools, buffers): the node is made in one literal once the value is read, not grown by a
 * `value` property afterwards (which gave every leaf a second, out-of-object property store).
 * Same keys in the same order, same checks, same cursor path for errors.
 */
export function decodeKnownLeaf(c: Cursor, f: VmdescField, t: FieldType, name: string, path: string, ctx: DecodeContext, checkSize: boolean): FieldNode {
  const start = c.pos;
  const saved = c.path;
  c.path = path;
  let value: FieldNode['value'];
  if (ctx.build) value = t.decode(c, f.size);
  else if (t.bytes) c.skip(f.size, t.name);
  else t.decode(c, f.size);
  const size = c.pos - start;
  c.path = saved;
  if (ctx.strictSizes && checkSize && typeof f.size === 'number' && size !== f.size) {
    ctx.problems.push(makeProblem('size-mismatch', start, `${size} bytes decoded, the description says ${f.size}`, path));
  }
  return ctx.build ? { name, path, kind: 'leaf', type: f.type, offset: start, size, value } : FRAMED_LEAF;
}


/** hw/pci/pci.c get_pci_irq_state: four be32 levels, each 0 or 1. */
export function decodeIrqState(c: Cursor, node: FieldNode, path: string, build: boolean): void {
  node.kind = 'struct';
  if (!build) {
    for (let i = 0; i < 4; i++) decodeLeaf(c, 'int32', 4);
    return;
  }
  node.children = [0, 1, 2, 3].map((i) => {
    const offset = c.pos;
    const value = decodeLeaf(c, 'int32', 4);
    return { name: `[${i}]`, path: `${path}[${i}]`, kind: 'leaf' as const, type: 'int32', offset, size: 4, value };
  });
}

/** Frame only: what decodeLeaf reads, without the value (bytes are neither copied nor kept). */
function skipLeaf(c: Cursor, type: string, size: number): void {
  const t = fieldType(type, size);
  if (t.bytes) c.skip(size, t.name);
  else t.decode(c, size);
}

export function decodeOpaqueOrLeaf(c: Cursor, f: VmdescField, node: FieldNode, start: number, path: string, ctx: DecodeContext): void {
  if (isLeafType(f.type, f.size)) {
    if (!ctx.build) skipLeaf(c, f.type, f.size);
    else node.value = decodeLeaf(c, f.type, f.size);
    return;
  }
  if (!Number.isSafeInteger(f.size) || f.size < 0) throw new DecodeError('bad-vmdesc', c.pos, `a valid size for ${quoted(f.name)}`, path);
  ctx.problems.push(makeProblem('unknown-type', start, `type ${quoted(f.type)} (${f.size} bytes) shown as opaque bytes`, path));
  node.kind = 'opaque';
  if (!ctx.build) skipLeaf(c, 'buffer', f.size);
  else node.value = decodeLeaf(c, 'buffer', f.size);
}

export function decodeNullMarker(c: Cursor, path: string): void {
  const at = c.pos;
  const b = c.u8('NULL-pointer marker');
  if (b !== NULLPTR_MARKER) {
    throw new DecodeError('description-mismatch', at, `NULL-pointer marker 0x30, found 0x${b.toString(16)} (QEMU 7.2 describes mixed NULL/non-NULL pointer arrays wrongly)`, path);
  }
}
