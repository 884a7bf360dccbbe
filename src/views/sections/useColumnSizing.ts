// Column widths of the section table, kept in localStorage so a column widened for long device
// names stays wide on the next visit. View state only: nothing else needs it, so not the store.

import type { ColumnSizingState, OnChangeFn } from '@tanstack/react-table';
import { useEffect, useState } from 'react';

const KEY = 'vmstate-explorer.section-columns';
/** Saved after the drag settles, not on every pointer move. */
const SAVE_DELAY_MS = 300;

/** Reads saved widths; anything that is not a map of column id to a positive width is ignored. */
export function parseSizing(text: string | null, ids: readonly string[]): ColumnSizingState {
  if (!text) return {};
  try {
    const saved: unknown = JSON.parse(text);
    if (typeof saved !== 'object' || saved === null) return {};
    const out: ColumnSizingState = {};
    for (const id of ids) {
      const w = (saved as Record<string, unknown>)[id];
      if (typeof w === 'number' && Number.isFinite(w) && w > 0 && w < 10_000) out[id] = Math.round(w);
    }
    return out;
  } catch {
    return {};
  }
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function useColumnSizing(ids: readonly string[]): [ColumnSizingState, OnChangeFn<ColumnSizingState>] {
  const [sizing, setSizing] = useState<ColumnSizingState>(() => parseSizing(storage()?.getItem(KEY) ?? null, ids));
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        storage()?.setItem(KEY, JSON.stringify(sizing));
      } catch {
        // Storage full or refused: the widths then last this visit, which is all they are for.
      }
    }, SAVE_DELAY_MS);
    return () => clearTimeout(t);
  }, [sizing]);
  const onChange: OnChangeFn<ColumnSizingState> = (u) => setSizing((old) => (typeof u === 'function' ? u(old) : u));
  return [sizing, onChange];
}
