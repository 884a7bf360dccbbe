// What is selected: a record, a field in it, and the byte range they cover. The section table,
// field tree, hex view and status line all read this one place.

import type { ByteRange } from '../format/byte-range.ts';
import type { FieldNode } from '../format/model.ts';
import { busyReason } from './action-guard.ts';
import { fieldIndex, nodeAt, recordAt } from './field-index.ts';
import { parseGoTo } from './goto-target.ts';
import type { Slice } from './types.ts';

export type { ByteRange };

export interface SelectionSlice {
  recordIndex: number | null;
  fieldPath: string | null;
  range: ByteRange | null;
  /** The byte the hex view's keyboard cursor is on: the moving end of an extended range. */
  caret: number | null;
  /** Where a range extended with Shift started (it stays put while the caret moves), or null. */
  anchor: number | null;
  /** Expanded tree items: field paths and array group keys. */
  expanded: ReadonlySet<string>;
  /** Asks the hex view to bring `offset` into view; `seq` makes repeated requests distinct. */
  reveal: { offset: number; seq: number } | null;
  /** A Go to target not in the model shown while the file opens: tried again as the open goes on. */
  pendingGoTo: string | null;
  /**
   * Go to an offset, field path or section (the Go to dialog). Returns why it cannot, or null
   * when it was done or is waiting for the rest of an open (`pendingGoTo`).
   */
  goTo(text: string): string | null;
  selectRecord(index: number): void;
  /** Selects a field by path in whichever record has it; false if none does. */
  selectField(path: string): boolean;
  /** Selects the field covering `offset` (as a click on that byte does), or just that byte. */
  selectOffset(offset: number, opts?: { extend?: boolean }): void;
  setExpanded(key: string, open: boolean): void;
  clearSelection(): void;
}

const EMPTY = new Set<string>();

export const createSelectionSlice: Slice<SelectionSlice> = (set, get) => {
  const reveal = (offset: number) => ({ offset, seq: (get().reveal?.seq ?? 0) + 1 });
  const expandedWith = (keys: string[]) => {
    const cur = get().expanded;
    if (keys.every((k) => cur.has(k))) return cur;
    return new Set([...cur, ...keys]);
  };
  const selectNode = (recordIndex: number, node: FieldNode, caret = node.offset) => {
    const rec = get().model!.records[recordIndex];
    const entry = fieldIndex(rec).byPath.get(node.path);
    set({
      recordIndex,
      fieldPath: node.path,
      range: { from: node.offset, to: node.offset + node.size },
      caret,
      anchor: null,
      expanded: expandedWith(entry?.ancestors ?? []),
      reveal: reveal(caret),
      pendingGoTo: null,
    });
  };

  return {
    recordIndex: null,
    fieldPath: null,
    range: null,
    caret: null,
    anchor: null,
    expanded: EMPTY,
    reveal: null,
    pendingGoTo: null,

    goTo(text) {
      const reason = busyReason(get(), 'goto');
      if (reason) return reason;
      const t = parseGoTo(text, get().model!);
      if (t.kind === 'offset') get().selectOffset(t.offset);
      else if (t.kind === 'field') get().selectField(t.path);
      else if (t.kind === 'record') get().selectRecord(t.index);
      // The field trees, or the records before the devices, are still on their way (adopt.ts).
      else if (t.path !== undefined && get().partial) set({ pendingGoTo: t.path });
      else return t.message;
      return null;
    },

    selectRecord(index) {
      const rec = get().model?.records[index];
      if (!rec) return;
      set({ recordIndex: index, fieldPath: null, range: { from: rec.offset, to: rec.offset + rec.size }, caret: rec.offset, anchor: null, reveal: reveal(rec.offset), pendingGoTo: null });
    },

    selectField(path) {
      const records = get().model?.records ?? [];
      const current = get().recordIndex;
      const order = current !== null ? [records[current], ...records] : records;
      for (const rec of order) {
        const entry = rec && fieldIndex(rec).byPath.get(path);
        if (entry) {
          selectNode(rec.index, entry.node);
          return true;
        }
      }
      return false;
    },

    selectOffset(offset, opts = {}) {
      const model = get().model;
      if (!model || offset < 0 || offset >= model.fileSize) return;
      // Shift extends from where the range started, and the caret moves with the keys: kept on
      // the anchor, a second Shift+Arrow gave the same one-step range again.
      const anchor = get().anchor ?? get().caret;
      if (opts.extend && anchor !== null) {
        const from = Math.min(anchor, offset);
        const to = Math.max(anchor, offset) + 1;
        set({ fieldPath: null, range: { from, to }, caret: offset, anchor, reveal: reveal(offset), pendingGoTo: null });
        return;
      }
      const rec = recordAt(model.records, offset);
      const node = rec ? nodeAt(rec.fields, offset) : null;
      if (rec && node) {
        selectNode(rec.index, node, offset);
        return;
      }
      set({ recordIndex: rec?.index ?? null, fieldPath: null, range: { from: offset, to: offset + 1 }, caret: offset, anchor: null, reveal: reveal(offset), pendingGoTo: null });
    },

    setExpanded(key, open) {
      const cur = get().expanded;
      if (cur.has(key) === open) return;
      const next = new Set(cur);
      if (open) next.add(key);
      else next.delete(key);
      set({ expanded: next });
    },

    clearSelection: () => set({ recordIndex: null, fieldPath: null, range: null, caret: null, anchor: null, expanded: EMPTY, pendingGoTo: null }),
  };
};
