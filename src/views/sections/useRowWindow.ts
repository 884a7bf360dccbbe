// Windowing for a long table with fixed-height rows inside a natively scrolled container: only the
// rows in view (plus a margin) are rendered, between two spacer rows. Streams can hold tens of
// thousands of records (a PART per RAM iteration), far too many for the DOM at once.

import { useCallback, useEffect, useState, type RefObject } from 'react';

const OVERSCAN = 20;
/**
 * Tables up to this many rows (about 3,000 px) render whole, so find-in-page sees every row. A
 * taller table outgrows the margin Chromium paints around a scroller's view (about 4,000 px):
 * every selection that scrolls it re-records all its rows (12-20 ms and as much again to layerize
 * for 373 rows, the bulk of each Go to's frame), so it is windowed.
 */
const WINDOW_FROM = 150;

export interface RowWindow {
  first: number;
  last: number;
  padTop: number;
  padBottom: number;
  /** Scrolls the container just enough to show row `index` (header height `headerPx` above). */
  ensureVisible(index: number, headerPx: number): void;
}

export function useRowWindow(ref: RefObject<HTMLElement | null>, count: number, rowPx: number): RowWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => setScrollTop(el.scrollTop);
    // The observer reports the first size too, after the browser's own layout: reading clientHeight
    // here instead laid the whole page out an extra time as each file's table first appeared.
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    el.addEventListener('scroll', onScroll, { passive: true });
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
    };
  }, [ref]);

  const whole = count <= WINDOW_FROM;
  const first = whole ? 0 : Math.max(0, Math.floor(scrollTop / rowPx) - OVERSCAN);
  const last = whole ? count : Math.min(count, Math.ceil((scrollTop + height) / rowPx) + OVERSCAN);

  const ensureVisible = useCallback(
    (index: number, headerPx: number) => {
      const el = ref.current;
      if (!el || index < 0) return;
      const top = index * rowPx;
      const viewTop = el.scrollTop;
      const viewBottom = viewTop + el.clientHeight - headerPx;
      if (top < viewTop) el.scrollTop = top;
      else if (top + rowPx > viewBottom) el.scrollTop = top + rowPx - (el.clientHeight - headerPx);
      setScrollTop(el.scrollTop);
    },
    [ref, rowPx],
  );

  return { first, last, padTop: first * rowPx, padBottom: (count - last) * rowPx, ensureVisible };
}
