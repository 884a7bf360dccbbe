// The worker's edit list: whole user actions over the immutable original (house habit 6). An
// action is the core's EditAction; one made of several changes (a patch, a revert of a patch)
// keeps them in `parts` and carries all their splices in order, so the piece table, undo and
// redo never need to know.

import type { ByteSource } from '../format/byte-source.ts';
import { editedSource, type EditAction, type EditHistory } from '../format/edits.ts';
import type { ActionInfo, Span } from './protocol.ts';

export interface UserAction extends EditAction {
  /** Stable within a file's history; the page names actions by it (revert). */
  id: number;
  parts?: EditAction[];
}

export type History = { done: UserAction[]; undone: UserAction[] } & EditHistory;

export const emptyHistory = (): History => ({ done: [], undone: [] });

export function userAction(id: number, label: string, parts: EditAction[]): UserAction {
  if (parts.length === 1) return { ...parts[0], id, label: label || parts[0].label };
  return {
    id, kind: parts[0].kind, label, path: parts.map((p) => p.path).join(', '),
    splices: parts.flatMap((p) => p.splices), warnings: parts.flatMap((p) => p.warnings), parts,
  };
}

/** The single changes of the applied actions, in order: what a patch exports. */
export function flatParts(actions: readonly UserAction[]): EditAction[] {
  return actions.flatMap((a) => a.parts ?? [a]);
}

export function actionInfo(a: UserAction): ActionInfo {
  return {
    id: a.id, label: a.label, warnings: a.warnings,
    parts: (a.parts ?? [a]).map((p) => ({ kind: p.kind, path: p.path ?? '', before: p.before ?? '', after: p.after ?? '' })),
  };
}

export const nextId = (h: History): number => Math.max(0, ...h.done.map((a) => a.id), ...h.undone.map((a) => a.id)) + 1;

/** Bytes an action's splices may have changed, in the coordinates of the file after it. */
export function dirtySpan(a: EditAction, sizeBefore: number, sizeAfter: number): Span {
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
export async function restoreHistory(original: ByteSource, saved: History): Promise<{ ok: true } | { ok: false; reason: string }> {
  const applied: UserAction[] = [];
  for (const a of saved.done) {
    for (let i = 0; i < a.splices.length; i++) {
      const s = a.splices[i];
      const src = editedSource(original, [...applied, { ...a, splices: a.splices.slice(0, i) }]);
      if (s.offset + s.removed.length > src.size || !same(await src.read(s.offset, s.removed.length), s.removed)) {
        return { ok: false, reason: `the bytes "${a.label}" changed are not in this file` };
      }
    }
    applied.push(a);
  }
  return { ok: true };
}
