// Lookups over one record's field tree, built once per record object: path -> node and the tree
// keys to expand to show it, and the leaves in offset order for byte hit-testing.

import type { FieldNode, StreamRecord } from '../format/model.ts';

/** Arrays longer than this open as groups of this many elements. */
export const GROUP_SIZE = 100;

export function groupKey(arrayPath: string, group: number): string {
  return `${arrayPath}#${group}`;
}

export interface FieldEntry {
  node: FieldNode;
  /** Keys of every collapsed item above this node: ancestors and array groups. */
  ancestors: string[];
}

export interface FieldIndex {
  byPath: Map<string, FieldEntry>;
  /** Nodes without children that cover bytes, sorted by offset; they never overlap. */
  leaves: FieldNode[];
}

const cache = new WeakMap<StreamRecord, FieldIndex>();

export function fieldIndex(record: StreamRecord): FieldIndex {
  let idx = cache.get(record);
  if (idx) return idx;
  idx = { byPath: new Map(), leaves: [] };
  const walk = (nodes: FieldNode[], ancestors: string[], parent: FieldNode | null) => {
    const grouped = parent !== null && nodes.length > GROUP_SIZE;
    nodes.forEach((node, i) => {
      const above = grouped ? [...ancestors, groupKey(parent.path, Math.floor(i / GROUP_SIZE))] : ancestors;
      idx!.byPath.set(node.path, { node, ancestors: above });
      if (node.children?.length) walk(node.children, [...above, node.path], node);
      else if (node.size > 0) idx!.leaves.push(node);
    });
  };
  walk(record.fields ?? [], [], null);
  idx.leaves.sort((a, b) => a.offset - b.offset);
  cache.set(record, idx);
  return idx;
}

/** Index into `leaves` of the leaf covering `offset`, or -1. */
export function leafIndexAt(leaves: FieldNode[], offset: number): number {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = leaves[mid];
    if (offset < n.offset) hi = mid - 1;
    else if (offset >= n.offset + n.size) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The deepest node covering `offset` (a leaf, or e.g. a subsection around its header bytes). */
export function nodeAt(nodes: FieldNode[] | undefined, offset: number): FieldNode | null {
  let best: FieldNode | null = null;
  let level = nodes;
  while (level?.length) {
    const hit = level.find((n) => n.size > 0 && offset >= n.offset && offset < n.offset + n.size);
    if (!hit) break;
    best = hit;
    level = hit.children;
  }
  return best;
}

/** The record whose bytes include `offset` (records are in file order). */
export function recordAt(records: StreamRecord[], offset: number): StreamRecord | null {
  let lo = 0;
  let hi = records.length - 1;
  let found: StreamRecord | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid].offset <= offset) {
      found = records[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // The last record starting at or before `offset` may end before it (e.g. a PACKAGED header).
  for (let i = found?.index ?? -1; i >= 0; i--) {
    const r = records[i];
    if (offset >= r.offset && offset < r.offset + r.size) return r;
    if (r.depth === 0) break;
  }
  return null;
}
