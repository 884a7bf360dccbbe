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

/** Buffers too large for the model's hex value: compared from the files once the walk is done. */
type Deferred = { at: number; path: string; ln: FieldNode; rn: FieldNode };

/**
 * `label` is "idstr (instance)"; field paths in both records start with `label/`. The two trees
 * are walked side by side, list by list: where a list has the same paths on both sides (nearly
 * always) its nodes pair by position, otherwise by path. No map of every leaf is built: the q35
 * device state has ~55,000 nodes per side and the page waits for this.
 */
export async function compareFields(p: SidePair, label: string, ignore: IgnoreMatcher): Promise<FieldComparison> {
  const out: FieldComparison = { fields: [], subsections: [], ignored: 0, unlisted: 0, notes: [] };
  const prefix = `${label}/`;
  const rel = (path: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : path);
  const deferred: Deferred[] = [];
  const l = p.left.fields ?? [];
  const r = p.right.fields ?? [];
  // The right file's scan took this section from the left (scan-reuse.ts): the same bytes.
  if (l === r && l.length) return out;
  if (!comparable(l, r)) {
    // One side decoded by a description, the other shown raw (or by another description): the
    // paths cannot align, the bytes still can.
    out.notes.push(`fields do not align (left decoded by ${p.left.decodedBy ?? 'none'}, right by ${p.right.decodedBy ?? 'none'}): compared as bytes`);
    const raw = (rec: StreamRecord): FieldNode => ({ name: '#data', path: `${prefix}#data`, kind: 'opaque', type: 'buffer', offset: rec.dataOffset ?? rec.offset, size: rec.dataSize ?? 0 });
    deferred.push({ at: 0, path: '#data', ln: raw(p.left), rn: raw(p.right) });
  } else {
    const only = (n: FieldNode, side: 'left' | 'right'): void => {
      if (n.kind === 'subsection') {
        out.subsections.push(side === 'left' ? { path: rel(n.path), status: 'only-left', leftVersion: n.version } : { path: rel(n.path), status: 'only-right', rightVersion: n.version });
      } else if (n.children) {
        for (const c of n.children) only(c, side);
      } else {
        push(out, label, ignore, side === 'left' ? { path: rel(n.path), left: leafSide(n) } : { path: rel(n.path), right: leafSide(n) });
      }
    };
    const pair = (ln: FieldNode, rn: FieldNode): void => {
      if (ln.kind === 'subsection' && ln.version !== rn.version) out.subsections.push({ path: rel(ln.path), status: 'version', leftVersion: ln.version, rightVersion: rn.version });
      if (ln.children && rn.children) walk(ln.children, rn.children);
      else if (!ln.children && !rn.children) leaf(rel(ln.path), ln, rn);
      else push(out, label, ignore, { path: rel(ln.path), left: leafSide(ln), right: leafSide(rn) });
    };
    const walk = (ls: readonly FieldNode[], rs: readonly FieldNode[]): void => {
      if (ls.length === rs.length && ls.every((n, i) => n.path === rs[i].path)) {
        for (let i = 0; i < ls.length; i++) pair(ls[i], rs[i]);
        return;
      }
      const byPath = new Map(rs.map((n) => [n.path, n]));
      for (const ln of ls) {
        const rn = byPath.get(ln.path);
        if (rn) pair(ln, rn);
        else only(ln, 'left');
        byPath.delete(ln.path);
      }
      for (const rn of byPath.values()) only(rn, 'right');
    };
    const leaf = (path: string, ln: FieldNode, rn: FieldNode): void => {
      if (isByteLeaf(ln) && isByteLeaf(rn) && ln.size === rn.size) {
        if (isFullHex(ln) && isFullHex(rn)) {
          byteDiffs(path, ln, rn, bytesDiffs(ln.value as Uint8Array, rn.value as Uint8Array), label, ignore, out);
        } else {
          deferred.push({ at: out.fields.length, path, ln, rn });
        }
        return;
      }
      if (ln.size === rn.size && ln.type === rn.type && (ln.value ?? null) === (rn.value ?? null)) return;
      push(out, label, ignore, { path, group: groupOf(path), left: leafSide(ln), right: leafSide(rn) });
    };
    walk(l, r);
  }
  // Large buffers, in the order they came: their differing bytes go where the walk met them.
  for (let k = deferred.length - 1; k >= 0; k--) {
    const d = deferred[k];
    const diffs = await readDiffs(p, d.ln, d.rn);
    const part: FieldComparison = { ...out, fields: [] };
    byteDiffs(d.path, d.ln, d.rn, diffs, label, ignore, part);
    out.fields.splice(d.at, 0, ...part.fields);
    out.ignored = part.ignored;
    out.unlisted = part.unlisted;
  }
  return out;
}

/** Paths align when most top-level fields of the smaller side exist in the other. */
function comparable(l: readonly FieldNode[], r: readonly FieldNode[]): boolean {
  const [small, big] = l.length <= r.length ? [l, r] : [r, l];
  if (small.length === 0) return big.length === 0;
  const paths = new Set(big.map((n) => n.path));
  return small.filter((n) => paths.has(n.path)).length * 2 >= small.length;
}

function push(out: FieldComparison, label: string, ignore: IgnoreMatcher, d: FieldDiff): void {
  if (ignore.matches(label, d.path)) out.ignored++;
  else out.fields.push(d);
}

function groupOf(path: string): string | undefined {
  const m = /^(.*)\[\d+\]$/.exec(path);
  return m ? m[1] : undefined;
}

/** Differing bytes of two byte values of equal length, as [index, left, right] triples. */
function bytesDiffs(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i, a[i], b[i]);
  return out;
}

/** The same from the files, in 1 MiB slices, for buffers whose value is a preview. */
async function readDiffs(p: SidePair, ln: FieldNode, rn: FieldNode): Promise<number[]> {
  const out: number[] = [];
  for (let at = 0; at < ln.size; at += SLICE) {
    const n = Math.min(SLICE, ln.size - at);
    const [a, b] = await Promise.all([p.readLeft(ln.offset + at, n), p.readRight(rn.offset + at, n)]);
    if (a.length < n || b.length < n) throw new Error(`${ln.path}: the file ended inside the field (${a.length < n ? 'left' : 'right'} side, offset ${at})`);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) out.push(at + i, a[i], b[i]);
  }
  return out;
}

/** A buffer's differing bytes as elements "path[i]"; an ignored buffer counts once. */
function byteDiffs(path: string, ln: FieldNode, rn: FieldNode, diffs: number[], label: string, ignore: IgnoreMatcher, out: FieldComparison): void {
  if (diffs.length === 0) return;
  if (ignore.matches(label, path)) {
    out.ignored++;
    return;
  }
  for (let k = 0; k < diffs.length; k += 3) {
    if (k / 3 >= MAX_BYTE_DIFFS) {
      out.unlisted += (diffs.length - k) / 3;
      return;
    }
    const i = diffs[k];
    out.fields.push({ path: `${path}[${i}]`, group: path, left: byteSide(ln, i, diffs[k + 1]), right: byteSide(rn, i, diffs[k + 2]) });
  }
}
