// The ignore list lives in this browser (localStorage), so the timers a person silenced stay
// silenced across visits; the store holds the list in use and compares again when it changes.
import { useCallback, useEffect } from 'react';
import { DEFAULT_IGNORE } from '../../format/diff/ignore.ts';
import { useExplorer } from '../../store/useExplorer.ts';

export const IGNORE_KEY = 'vmstate-explorer.compare-ignore';

function load(): string[] | null {
  try {
    const raw = localStorage.getItem(IGNORE_KEY);
    const list = raw ? JSON.parse(raw) : null;
    return Array.isArray(list) && list.every((x) => typeof x === 'string') ? list : null;
  } catch {
    return null;
  }
}

/** The list in use, and a setter that keeps it in this browser; returns why it could not, if so. */
export function useIgnoreList(): { list: readonly string[]; save(list: string[]): string | null; reset(): string | null } {
  const list = useExplorer((s) => s.compareIgnore);
  const setList = useExplorer((s) => s.setCompareIgnore);
  useEffect(() => {
    const kept = load();
    if (kept) void setList(kept);
  }, [setList]);
  const save = useCallback((next: string[]) => {
    void setList(next);
    try {
      localStorage.setItem(IGNORE_KEY, JSON.stringify(next));
      return null;
    } catch (e) {
      return `The list applies now but is not kept in this browser: ${(e as Error).message}`;
    }
  }, [setList]);
  const reset = useCallback(() => save([...DEFAULT_IGNORE]), [save]);
  return { list, save, reset };
}
