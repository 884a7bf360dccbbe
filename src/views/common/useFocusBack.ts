// Inline editors replace the button that opened them: when the editor closes, the focused input
// is removed and the browser puts the focus on the page's start, so a keyboard user must Tab
// through the whole toolbar again. The opener takes the focus back instead.

import { useEffect, useRef, type RefObject } from 'react';

/**
 * `ref` goes on the opener; the editor closes through `close(hide)` (Apply, Cancel, Escape).
 * Once `closed` is true again the opener takes the focus; a close the person did not ask for
 * (another record selected) leaves the focus alone.
 */
export function useFocusBack<T extends HTMLElement>(closed: boolean): { ref: RefObject<T | null>; close(hide: () => void): void } {
  const ref = useRef<T>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (!closed || !pending.current) return;
    pending.current = false;
    ref.current?.focus();
  }, [closed]);
  const close = (hide: () => void) => {
    pending.current = true;
    hide();
  };
  return { ref, close };
}
