// One change to a file: a field, a section header or raw bytes, as reversible splices over the
// immutable original (house habit 6). Each splice keeps the bytes it removed, so undo is the
// inverse splice. A user action (history.ts) is one change or several in order.
// A 'container' change edits the bytes a container keeps around the stream (a libvirt image's
// header and domain XML, an xl image's HVM context): its `container` splices are same-size
// overwrites in the coordinates of the file as dropped, outside the stream, so they never move
// the stream's bytes and its `splices` stay empty.

export interface Splice {
  /** Offset in the file as it was just before this splice. */
  offset: number;
  removed: Uint8Array;
  inserted: Uint8Array;
}

export type ChangeKind = 'field' | 'header' | 'raw' | 'container';

export interface Change {
  kind: ChangeKind;
  label: string;
  /** Field path, the section label for header changes, "0x…" for raw bytes. */
  path?: string;
  /** The value before and after as text: what a patch carries and the edit list shows. */
  before?: string;
  after?: string;
  /** True when before/after are hex bytes (raw changes, buffer fields). */
  bytes?: boolean;
  splices: Splice[];
  /** Overwrites of the container's own bytes, in the dropped file's offsets (never size-changing). */
  container?: Splice[];
  warnings: string[];
}

const inverse = (splices: Splice[]) => [...splices].reverse().map((s) => ({ offset: s.offset, removed: s.inserted, inserted: s.removed }));

/** The inverse of a change: applying it after `c` restores the bytes before `c`. */
export function invertChange<C extends Change>(c: C): C {
  return { ...c, label: `undo ${c.label}`, before: c.after, after: c.before, splices: inverse(c.splices), ...(c.container ? { container: inverse(c.container) } : {}) };
}
