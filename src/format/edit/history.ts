// The edit history: whole user actions over the immutable original (house habit 6). An action is
// one change, or several in order (a patch, a revert of a patch) kept in `parts` with all their
// splices carried by the action, so the piece table, undo and redo never need to know.

import type { ByteRange } from '../byte-range.ts';
import type { ByteSource } from '../byte-source.ts';
import type { Change, ChangeKind, Splice } from './change.ts';
import { editedSource } from './piece-table.ts';

export interface UserAction extends Change {
  /** Stable within a file's history; the page names actions by it (revert). */
  id: number;
  parts?: Change[];
}

/** Undo/redo over whole actions. Pure data: a new history replaces the old on every change. */
export interface History<A extends Change = UserAction> {
  done: A[];
  undone: A[];
}

export const emptyHistory = <A extends Change = UserAction>(): History<A> => ({ done: [], undone: [] });

export function pushAction<A extends Change>(h: History<A>, a: A): History<A> {
  return { done: [...h.done, a], undone: [] };
}

export function undo<A extends Change>(h: History<A>): History<A> {
  if (!h.done.length) return h;
  return { done: h.done.slice(0, -1), undone: [...h.undone, h.done[h.done.length - 1]] };
}

export function redo<A extends Change>(h: History<A>): History<A> {
  if (!h.undone.length) return h;
  return { done: [...h.done, h.undone[h.undone.length - 1]], undone: h.undone.slice(0, -1) };
}

export const nextId = (h: History): number => Math.max(0, ...h.done.map((a) => a.id), ...h.undone.map((a) => a.id)) + 1;

export function userAction(id: number, label: string, parts: Change[]): UserAction {
  if (parts.length === 1) return { ...parts[0], id, label: label || parts[0].label };
  return {
    id, kind: parts[0].kind, label, path: parts.map((p) => p.path).join(', '),
    splices: parts.flatMap((p) => p.splices), ...(parts.some((p) => p.container) ? { container: parts.flatMap((p) => p.container ?? []) } : {}), warnings: parts.flatMap((p) => p.warnings), parts,
  };
}

/** The container's own bytes as the actions leave them: their container splices, as splice lists for a piece table. */
export const containerSplices = (actions: readonly Change[]): { splices: Splice[] }[] => actions.filter((a) => a.container?.length).map((a) => ({ splices: a.container! }));

/** The single changes of the applied actions, in order: what a patch exports. */
export function flatParts(actions: readonly UserAction[]): Change[] {
  return actions.flatMap((a) => a.parts ?? [a]);
}

/** One applied user action as the page lists it; `parts` has one entry per field/header/raw change. */
export interface ActionInfo {
  id: number;
  label: string;
  parts: { kind: ChangeKind; path: string; before: string; after: string; bytes: boolean }[];
  warnings: string[];
}

export function actionInfo(a: UserAction): ActionInfo {
  return {
    id: a.id, label: a.label, warnings: a.warnings,
    parts: (a.parts ?? [a]).map((p) => ({ kind: p.kind, path: p.path ?? '', before: p.before ?? '', after: p.after ?? '', bytes: p.bytes === true || p.kind === 'raw' })),
  };
}

/** Bytes an action's splices may have changed, in the coordinates of the file after it. */
export function dirtyRange(a: Change, sizeBefore: number, sizeAfter: number): ByteRange {
  let from = Infinity;
  let to = 0;
  for (const s of a.splices) {
    from = Math.min(from, s.offset);
    // A splice that changes the size moves every byte after it.
    to = Math.max(to, s.removed.length === s.inserted.length ? s.offset + s.inserted.length : Math.max(sizeBefore, sizeAfter));
  }
  return from === Infinity ? { from: 0, to: 0 } : { from, to };
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Re-applies saved actions to `original` one by one, requiring the bytes each splice removes to be
 * what the file holds there: a file that merely shares the sampled hash is refused.
 */
export async function restoreHistory(original: ByteSource, saved: History, containerFile?: ByteSource): Promise<{ ok: true } | { ok: false; reason: string }> {
  const applied: { splices: Splice[] }[] = [];
  const appliedOuter: { splices: Splice[] }[] = [];
  for (const a of saved.done) {
    if (!(await fits(original, applied, a.splices))) return { ok: false, reason: `the bytes "${a.label}" changed are not in this file` };
    applied.push(a);
    if (!a.container?.length) continue;
    if (!containerFile || !(await fits(containerFile, appliedOuter, a.container))) return { ok: false, reason: `the container bytes "${a.label}" changed are not in this file` };
    appliedOuter.push({ splices: a.container });
  }
  return { ok: true };
}

/** Whether each splice removes what the file, edited by `before` and the splices ahead of it, holds. */
async function fits(file: ByteSource, before: readonly { splices: Splice[] }[], splices: Splice[]): Promise<boolean> {
  for (let i = 0; i < splices.length; i++) {
    const s = splices[i];
    const src = editedSource(file, [...before, { splices: splices.slice(0, i) }]);
    if (s.offset + s.removed.length > src.size || !same(await src.read(s.offset, s.removed.length), s.removed)) return false;
  }
  return true;
}
