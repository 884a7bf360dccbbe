// Decodes device data by a vmsd description, the way QEMU's loader walks it
// (migration/vmstate.c: vmstate_load_state, vmstate_subsection_load). Produces FieldNodes that
// carry their absolute offset, size and path.
// The same walk also runs frame-only (DecodeContext.build false): the cursor advances, every
// check and error is the same, but no node, path or value is made. Trying which description
// fits a section (section-decoder.ts, version-consensus.ts) only needs where the data ends:
// building a field tree for every candidate and version made ~10x the garbage of the tree kept
// (q35 device state: 55,000 nodes kept, GC half of a 630 ms open, issue #12).

import { Cursor, latin1 } from './cursor.ts';
import { endScore, QEMU_VM_SUBSECTION, startsWithText } from './subsection-end.ts';
import { refuseImpossibleCount } from './element-bytes.ts';
import { DecodeError, makeProblem, quoted, type Problem } from './errors.ts';
import { NULLPTR_MARKER, PTR_VALID_MARKER } from './field-types/index.ts';
import { decodeIrqState, decodeKnownLeaf, decodeNullMarker, decodeOpaqueOrLeaf, elementName, FRAMED_LEAF, plainLeafType, resolveVariable } from './vmsd-leaves.ts';
import type { FieldNode } from './model.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';

const MAX_DEPTH = 64;

export interface DecodeContext {
  problems: Problem[];
  /** Embedded or supplied description: its sizes describe this very stream, so check them. */
  strictSizes: boolean;
  /** Upper bound on nodes made for one section, so a hostile description cannot exhaust memory. */
  nodeBudget: number;
  /** Subsection descriptions to fall back on when a subsection is not in its owner's list. */
  subsectionPool?: (name: string) => VmsdDesc[];
  /**
   * A `virtio` field's decoder (virtio/virtio-state.ts, which needs the section's idstr): true when
   * it decoded the field into `node` and moved the cursor past it, false to read it as bytes.
   */
  virtio?: (c: Cursor, node: FieldNode, describedSize: number | undefined) => boolean;
  /** False: frame only (see the top of this file); decodeBody then returns no nodes. */
  build: boolean;
  /** Frame only: the last element decodeBody walked at the section's top level (see TopElement). */
  last?: TopElement;
}

/**
 * What a frame-only walk keeps of the section's last top-level element: what the section decoder
 * asks of the last field node when the data does not end where the description does (a trailing
 * blob of state-sized bytes may be stretched: section-decoder.ts stretchLastBlob).
 */
export interface TopElement {
  type: string;
  offset: number;
  /** True when the full decode's node would have no children (a leaf or opaque bytes). */
  leaf: boolean;
}

export function newContext(strictSizes: boolean, subsectionPool?: (name: string) => VmsdDesc[], build = true): DecodeContext {
  return { problems: [], strictSizes, nodeBudget: 2_000_000, subsectionPool, build };
}

interface Body {
  vmsd_name?: string;
  fields?: VmdescField[];
  subsections?: VmsdDesc[];
}

/** Fields then subsections of one vmsd; `prefix` ends with '/' (section root) or '.'. */
export function decodeBody(c: Cursor, body: Body, prefix: string, ctx: DecodeContext, depth = 0): FieldNode[] {
  if (depth > MAX_DEPTH) throw new DecodeError('limit', c.pos, `descriptions nested at most ${MAX_DEPTH} deep`, prefix);
  const nodes = decodeFields(c, body.fields ?? [], prefix, ctx, depth);
  const subs = decodeSubsections(c, body.vmsd_name ?? '', body.subsections ?? [], prefix, ctx, depth);
  if (ctx.build) nodes.push(...subs);
  return nodes;
}

/** What decodeSubsections returns when there are none: shared, only ever read. */
const NO_NODES: readonly FieldNode[] = Object.freeze([]);

/** A field whose length a sibling's value gives (built-in descriptions: configuration.ts). */
const variable = (f: VmdescField): boolean => f.size_from !== undefined || f.array_len_from !== undefined;

function spend(ctx: DecodeContext, c: Cursor, path: string): void {
  if (--ctx.nodeBudget < 0) throw new DecodeError('limit', c.pos, 'at most 2,000,000 decoded nodes per section', path);
}

function decodeFields(c: Cursor, fields: VmdescField[], prefix: string, ctx: DecodeContext, depth: number): FieldNode[] {
  // Lengths read from siblings need the siblings' values: such a list is built even when framing.
  if (!ctx.build && fields.some(variable)) {
    ctx.build = true;
    let built: FieldNode[];
    try {
      built = decodeFields(c, fields, prefix, ctx, depth);
    } finally {
      ctx.build = false;
    }
    const last = built[built.length - 1];
    if (depth === 0 && last) ctx.last = { type: last.type, offset: last.offset, leaf: !last.children };
    return [];
  }
  const build = ctx.build;
  const out: FieldNode[] = [];
  let array: FieldNode | null = null;
  // The array being filled (name and elements so far): kept without nodes when framing.
  let arrayName: string | null = null;
  let arrayLen = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = resolveVariable(fields[i], out, c, prefix);
    const path = build ? prefix + f.name : '';
    // QEMU 11.1 writes the elements of an uncompressible array as repeated entries with no
    // "index" at all: an entry whose name the next entry repeats starts an array.
    const isArray = f.array_len !== undefined || f.index !== undefined || fields[i + 1]?.name === f.name;
    // QEMU ≥ 10.0 splits mixed NULL/non-NULL arrays into runs that repeat the name, and drops
    // "index" on the last element of uncompressible arrays: both continue the previous array.
    const continues = arrayName !== null && arrayName === f.name;
    if (!isArray && !continues) {
      array = null;
      arrayName = null;
      const start = c.pos;
      const node = decodeElement(c, f, f.name, path, ctx, depth, true);
      if (build) out.push(node);
      else if (depth === 0) ctx.last = { type: f.type, offset: start, leaf: node === FRAMED_LEAF };
      continue;
    }
    if (!continues) {
      arrayName = f.name;
      arrayLen = 0;
      if (build) {
        array = { name: f.name, path, kind: 'array', type: f.type, offset: c.pos, size: 0, children: [] };
        out.push(array);
      } else if (depth === 0) ctx.last = { type: f.type, offset: c.pos, leaf: false };
    }
    const n = f.array_len ?? 1;
    if (!Number.isSafeInteger(n) || n < 0) throw new DecodeError('bad-vmdesc', c.pos, `a valid array_len for ${quoted(f.name)}`, path);
    if (n > 1) refuseImpossibleCount(c, f, n, path);
    for (let i = 0; i < n; i++) {
      const k = arrayLen++;
      if (!build) decodeElement(c, f, '', '', ctx, depth, i === 0);
      else {
        const name = elementName(k);
        array!.children!.push(decodeElement(c, f, name, array!.path + name, ctx, depth, i === 0));
      }
    }
    if (array) array.size = c.pos - array.offset;
  }
  return out;
}

/**
 * Frame only: the one node every element writes to and nobody reads (decodeElement returns
 * FRAMED_LEAF or FRAMED_BRANCH instead), so the walk allocates nothing per element.
 */
const SCRATCH: FieldNode = { name: '', path: '', kind: 'leaf', type: '', offset: 0, size: 0 };
const FRAMED_BRANCH: FieldNode = Object.freeze({ name: '', path: '', kind: 'struct', type: '', offset: 0, size: 0 });

function decodeElement(c: Cursor, f: VmdescField, name: string, path: string, ctx: DecodeContext, depth: number, checkSize: boolean): FieldNode {
  spend(ctx, c, path);
  const leaf = plainLeafType(f.type, f.size);
  if (leaf) return decodeKnownLeaf(c, f, leaf, name, path, ctx, checkSize);
  const start = c.pos;
  const saved = c.path;
  c.path = path;
  const node: FieldNode = ctx.build ? { name, path, kind: 'leaf', type: f.type, offset: start, size: 0 } : SCRATCH;
  // Whether the node gets children (struct, list): a frame-only walk returns only that.
  let branch = false;
  switch (f.type) {
    case 'struct': {
      const s = f.struct ?? {};
      if (!s.fields && !s.vmsd_name) {
        // 7.2 describes a NULL pointer in a pointer array as an empty struct of size 1.
        decodeNullMarker(c, path);
        if (ctx.build) {
          node.type = 'nullptr';
          node.value = 'nullptr';
        }
        break;
      }
      decodeStruct(c, node, s, ctx, depth);
      branch = true;
      break;
    }
    case 'vstruct':
    case 'tmp':
      // The nested vmsd sits in the field object itself (format.md §3.7).
      decodeStruct(c, node, f, ctx, depth);
      branch = true;
      break;
    case 'qtailq':
    case 'qlist':
      node.kind = 'list';
      node.vmsdName = f.vmsd_name;
      node.children = decodeQueue(c, f, path, ctx, depth);
      branch = true;
      break;
    case 'nullptr':
      decodeNullMarker(c, path);
      if (ctx.build) node.value = 'nullptr';
      break;
    case 'ptr-marker': {
      // QEMU 11.1 vmstate.c vmstate_ptr_marker_load: 0x30 a NULL pointer, 0x31 "the element
      // follows" (auto-allocated arrays); anything else fails with "Unexpected ptr marker".
      const b = c.u8('pointer marker');
      if (b !== NULLPTR_MARKER && b !== PTR_VALID_MARKER) throw new DecodeError('description-mismatch', start, `pointer marker 0x30 or 0x31, found 0x${b.toString(16)} ("Unexpected ptr marker: ${b}")`, path);
      if (ctx.build) node.value = b === NULLPTR_MARKER ? 'nullptr' : 'valid';
      break;
    }
    case 'virtio':
    case 'virtio-gpu': {
      // virtio_save's output (and virtio_gpu_save's) is not self-describing, and its size is the writer's: decode it.
      // Frame only: into a node of its own, thrown away, so the shared SCRATCH keeps no children.
      const into = ctx.build ? node : { ...SCRATCH, type: f.type };
      if (ctx.virtio?.(c, into, f.size)) {
        branch = into.children !== undefined;
        break;
      }
      decodeOpaqueOrLeaf(c, f, node, start, path, ctx);
      break;
    }
    case 'pci irq state':
      if (f.size === 16) {
        decodeIrqState(c, node, path, ctx.build);
        branch = true;
        break;
      }
      decodeOpaqueOrLeaf(c, f, node, start, path, ctx);
      break;
    default:
      decodeOpaqueOrLeaf(c, f, node, start, path, ctx);
  }
  const size = c.pos - start;
  node.size = size;

  c.path = saved;
  if (ctx.strictSizes && checkSize && typeof f.size === 'number' && size !== f.size && f.type !== 'qtailq' && f.type !== 'qlist') {
    ctx.problems.push(makeProblem('size-mismatch', start, `${size} bytes decoded, the description says ${f.size}`, path));
  }
  if (ctx.build) return node;
  return branch ? FRAMED_BRANCH : FRAMED_LEAF;
}

function decodeStruct(c: Cursor, node: FieldNode, body: Partial<VmsdDesc>, ctx: DecodeContext, depth: number): void {
  if (!ctx.build) {
    decodeBody(c, body, '', ctx, depth + 1);
    return;
  }
  node.kind = 'struct';
  node.vmsdName = body.vmsd_name;
  node.version = body.version;
  node.children = decodeBody(c, body, node.path + '.', ctx, depth + 1);
}

/** vmstate-types.c get_qtailq: 0x01 before each element, 0x00 after the last. */
function decodeQueue(c: Cursor, f: VmdescField, path: string, ctx: DecodeContext, depth: number): FieldNode[] {
  const items: FieldNode[] = [];
  for (;;) {
    const at = c.pos;
    const marker = c.u8('queue marker');
    if (marker === 0) return items;
    if (marker !== 1) throw new DecodeError('description-mismatch', at, `queue marker 0x01 or 0x00, found 0x${marker.toString(16)}`, path);
    const k = items.length;
    spend(ctx, c, path);
    if (!ctx.build) {
      decodeBody(c, f, '', ctx, depth + 1);
      continue;
    }
    const children = decodeBody(c, f, `${path}[${k}].`, ctx, depth + 1);
    items.push({ name: `[${k}]`, path: `${path}[${k}]`, kind: 'struct', type: f.vmsd_name ?? 'element', offset: at, size: c.pos - at, children });
  }
}

/**
 * Of several descriptions of one subsection (bundled library: VARRAY lengths differ between the
 * probes, e.g. piix4_pm/cpuhp's CPU array follows -smp), the one of the stream's version that
 * decodes and best leaves the cursor where QEMU would read on (endScore); a zero byte after a too
 * short layout looks like QEMU_VM_EOF, so a footer or another subsection counts for more. A
 * description written for this stream (strict) is taken as it is.
 */
function pickSubsection(c: Cursor, descs: VmsdDesc[], version: number, owner: string, ctx: DecodeContext, depth: number): VmsdDesc {
  const ordered = [...descs.filter((s) => s.version === version), ...descs.filter((s) => s.version !== version)];
  if (ordered.length < 2 || ctx.strictSizes) return ordered[0];
  let best = ordered[0];
  let bestScore = -1;
  for (const d of ordered) {
    const trial = new Cursor(c.win, c.pos, c.path);
    try {
      // Only where it ends matters: framed, not built.
      decodeBody(trial, d, '', { ...ctx, problems: [], build: false }, depth + 1);
    } catch {
      continue; // this layout does not fit the bytes
    }
    const score = endScore(trial, owner, depth);
    if (score > bestScore) [best, bestScore] = [d, score];
    if (score === 3) break;
  }
  return best;
}

/**
 * vmstate.c vmstate_subsection_load: peek for 0x05, a name at least strlen(parent)+1 long and
 * starting with the parent's name; otherwise the bytes belong to whatever follows.
 */
function decodeSubsections(c: Cursor, owner: string, known: VmsdDesc[], prefix: string, ctx: DecodeContext, depth: number): readonly FieldNode[] {
  // Both made at the first subsection: this runs for every struct body, nearly always to find none.
  let out: FieldNode[] | undefined;
  let seen: Set<string> | undefined;
  // Without the owner's name the loader's prefix rule cannot be applied: claim nothing.
  while (owner) {
    // c.peek(2) without making a view.
    if (!c.has(2) || c.peekByte(0) !== QEMU_VM_SUBSECTION) break;
    const len = c.peekByte(1);
    if (len < owner.length + 1) break;
    const nameBytes = c.peek(2 + len);
    if (!nameBytes) break;
    if (!startsWithText(nameBytes.subarray(2), owner)) break;
    const name = latin1(nameBytes.subarray(2));
    const start = c.pos;
    const path = ctx.build ? prefix + name + (seen?.has(name) ? `#${out?.length ?? 0}` : '') : '';
    const descs = [...known.filter((s) => s.vmsd_name === name), ...(ctx.subsectionPool?.(name) ?? [])];
    if (!descs.length) throw new DecodeError('bad-subsection', start, `a described subsection of ${quoted(owner)}; ${quoted(name)} is not in the description`, path);
    (seen ??= new Set()).add(name);
    c.skip(2 + len);
    // The loader stores the version in an 8-bit variable (vmstate_subsection_load).
    const version = c.be32('subsection version_id');
    const desc = pickSubsection(c, descs, version, owner, ctx, depth);
    spend(ctx, c, path);
    const children = decodeBody(c, desc, ctx.build ? path + '.' : '', ctx, depth + 1);
    if (ctx.strictSizes && version !== desc.version) {
      ctx.problems.push(makeProblem('description-mismatch', start, `subsection version ${version}, described as ${desc.version}`, path));
    }
    if (!ctx.build) {
      if (depth === 0) ctx.last = { type: 'subsection', offset: start, leaf: false };
      continue;
    }
    (out ??= []).push({ name, path, kind: 'subsection', type: 'subsection', offset: start, size: c.pos - start, version, vmsdName: name, children });
  }
  if (ctx.strictSizes) {
    for (const s of known) {
      if (!seen?.has(s.vmsd_name)) ctx.problems.push(makeProblem('description-mismatch', c.pos, `described subsection ${quoted(s.vmsd_name)} is not in the stream`, prefix + s.vmsd_name));
    }
  }
  return out ?? NO_NODES;
}
