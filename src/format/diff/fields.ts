// Field-by-field comparison of one section present in both files: leaves aligned by their path
// inside the section, buffers compared byte by byte (a changed byte is named like an edit of it,
// "cmos_data[63]"), subsections present on one side only or at another version listed apart.

import type { FieldNode, StreamRecord } from '../model.ts';
import type { IgnoreMatcher } from './ignore.ts';
import type { FieldDiff, SubsectionDiff } from './types.ts';
import { byteSide, isByteLeaf, isFullHex, leafSide } from './values.ts';

/** Reads `size` bytes of one file at `offset` (the CLI's file handle, the worker's Blob). */
export type RawRead = (offset: number, size: number) => Promise<Uint8Array>;

/** A buffer lists at most this many differing bytes; the rest are counted. */
export const MAX_BYTE_DIFFS = 4096;
const SLICE = 1 << 20;

interface Tree {
  leaves: Map<string, FieldNode>;
  subsections: Map<string, FieldNode>;
}

function collect(nodes: readonly FieldNode[] | undefined, prefix: string, tree: Tree = { leaves: new Map(), subsections: new Map() }): Tree {
  for (const n of nodes ?? []) {
    const rel = n.path.startsWith(prefix) ? n.path.slice(prefix.length) : n.path;
    if (n.kind === 'subsection') tree.subsections.set(rel, n);
    if (n.children?.length) collect(n.children, prefix, tree);
    else if (!n.children) tree.leaves.set(rel, n);
  }
  return tree;
}

export interface FieldComparison {
  fields: FieldDiff[];
  subsections: SubsectionDiff[];
  ignored: number;
  unlisted: number;
  notes: string[];
}

export interface SidePair {
  left: StreamRecord;
  right: StreamRecord;
  readLeft: RawRead;
  readRight: RawRead;
}

/** `label` is "idstr (instance)"; field paths in both records start with `label/`. */
export async function compareFields(p: SidePair, label: string, ignore: IgnoreMatcher): Promise<FieldComparison> {
  const out: FieldComparison = { fields: [], subsections: [], ignored: 0, unlisted: 0, notes: [] };
  const prefix = `${label}/`;
  const l = collect(p.left.fields, prefix);
  const r = collect(p.right.fields, prefix);
  if (!comparable(l, r)) {
    // One side decoded by a description, the other shown raw (or by another description): the
    // paths cannot align, the bytes still can.
    out.notes.push(`fields do not align (left decoded by ${p.left.decodedBy ?? 'none'}, right by ${p.right.decodedBy ?? 'none'}): compared as bytes`);
    const raw = (rec: StreamRecord): FieldNode => ({ name: '#data', path: `${prefix}#data`, kind: 'opaque', type: 'buffer', offset: rec.dataOffset ?? rec.offset, size: rec.dataSize ?? 0 });
    await compareLeaf(p, '#data', raw(p.left), raw(p.right), label, ignore, out);
    return out;
  }
  const onlyOneSide: string[] = [];
  for (const [path, ln] of l.subsections) {
    const rn = r.subsections.get(path);
    if (!rn) { out.subsections.push({ path, status: 'only-left', leftVersion: ln.version }); onlyOneSide.push(path); }
    else if (ln.version !== rn.version) out.subsections.push({ path, status: 'version', leftVersion: ln.version, rightVersion: rn.version });
  }
  for (const [path, rn] of r.subsections) {
    if (!l.subsections.has(path)) { out.subsections.push({ path, status: 'only-right', rightVersion: rn.version }); onlyOneSide.push(path); }
  }
  const inOneSided = (path: string) => onlyOneSide.some((s) => path === s || path.startsWith(`${s}/`) || path.startsWith(`${s}.`));
  for (const [path, ln] of l.leaves) {
    const rn = r.leaves.get(path);
    if (rn) await compareLeaf(p, path, ln, rn, label, ignore, out);
    else if (!inOneSided(path)) push(out, label, ignore, { path, left: leafSide(ln) });
  }
  for (const [path, rn] of r.leaves) {
    if (!l.leaves.has(path) && !inOneSided(path)) push(out, label, ignore, { path, right: leafSide(rn) });
  }
  return out;
}

/** Paths align when most leaves of the smaller tree exist in the other. */
function comparable(l: Tree, r: Tree): boolean {
  const [small, big] = l.leaves.size <= r.leaves.size ? [l, r] : [r, l];
  if (small.leaves.size === 0) return big.leaves.size === 0;
  let shared = 0;
  for (const k of small.leaves.keys()) if (big.leaves.has(k)) shared++;
  return shared * 2 >= small.leaves.size;
}

function push(out: FieldComparison, label: string, ignore: IgnoreMatcher, d: FieldDiff): void {
  if (ignore.matches(label, d.path)) out.ignored++;
  else out.fields.push(d);
}

function groupOf(path: string): string | undefined {
  const m = /^(.*)\[\d+\]$/.exec(path);
  return m ? m[1] : undefined;
}

async function compareLeaf(p: SidePair, path: string, ln: FieldNode, rn: FieldNode, label: string, ignore: IgnoreMatcher, out: FieldComparison): Promise<void> {
  if (isByteLeaf(ln) && isByteLeaf(rn) && ln.size === rn.size) {
    if (ignore.matches(label, path)) {
      // Counted only if something differs, like any other ignored field.
      if (await bytesDiffer(p, ln, rn)) out.ignored++;
      return;
    }
    await compareBytes(p, path, ln, rn, out);
    return;
  }
  if (ln.size === rn.size && ln.type === rn.type && sameValue(ln, rn)) return;
  push(out, label, ignore, { path, group: groupOf(path), left: leafSide(ln), right: leafSide(rn) });
}

function sameValue(a: FieldNode, b: FieldNode): boolean {
  return (a.value ?? null) === (b.value ?? null);
}

async function bytesDiffer(p: SidePair, ln: FieldNode, rn: FieldNode): Promise<boolean> {
  let differs = false;
  await forEachByteDiff(p, ln, rn, () => {
    differs = true;
    return false;
  });
  return differs;
}

async function compareBytes(p: SidePair, path: string, ln: FieldNode, rn: FieldNode, out: FieldComparison): Promise<void> {
  let listed = 0;
  await forEachByteDiff(p, ln, rn, (i, a, b) => {
    if (listed++ >= MAX_BYTE_DIFFS) out.unlisted++;
    else out.fields.push({ path: `${path}[${i}]`, group: path, left: byteSide(ln, i, a), right: byteSide(rn, i, b) });
    return true;
  });
}

/** Calls `fn(i, left, right)` for each differing byte until it returns false. */
async function forEachByteDiff(p: SidePair, ln: FieldNode, rn: FieldNode, fn: (i: number, a: number, b: number) => boolean): Promise<void> {
  if (isFullHex(ln) && isFullHex(rn)) {
    const a = ln.value as string;
    const b = rn.value as string;
    if (a === b) return;
    for (let i = 0; i < ln.size; i++) {
      if (a[2 * i] !== b[2 * i] || a[2 * i + 1] !== b[2 * i + 1]) {
        if (!fn(i, parseInt(a.substr(2 * i, 2), 16), parseInt(b.substr(2 * i, 2), 16))) return;
      }
    }
    return;
  }
  for (let at = 0; at < ln.size; at += SLICE) {
    const n = Math.min(SLICE, ln.size - at);
    const [a, b] = await Promise.all([p.readLeft(ln.offset + at, n), p.readRight(rn.offset + at, n)]);
    if (a.length < n || b.length < n) throw new Error(`${ln.path}: the file ended inside the field (${a.length < n ? 'left' : 'right'} side, offset ${at})`);
    for (let i = 0; i < n; i++) if (a[i] !== b[i] && !fn(at + i, a[i], b[i])) return;
  }
}
