// The hex view's own scroll position: a first visible row instead of scrollTop, because a
// browser's native scroll height (~33 M px in Chromium) ends long before a multi-GiB file does.
//
// Wheel, drag and track clicks arrive far more often than frames on a fast scroll; each of them
// only records where to go, and one animation frame applies the sum, rendered before that frame
// is painted (flushSync), so the view draws once per frame whatever the input rate.

import { useCallback, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';

export const ROW_BYTES = 16;
export const ROW_HEIGHT = 20;

export interface HexViewport {
  viewportRef: React.RefObject<HTMLDivElement | null>;
  top: number;
  /** Scrolls so that `row` is the first row, at the next frame; a later call in the frame wins. */
  scrollTo(row: number): void;
  /** Scrolls by `rows` at the next frame, on top of whatever else is pending. */
  scrollBy(rows: number): void;
  /**
   * Makes `row` the first row in the render under way: for the caret following the keyboard,
   * which must not cost a second commit (see HexView's reveal).
   */
  showNow(row: number): void;
  /** True while a scroll waits for its frame: bytes for the current rows are not worth asking yet. */
  scrolling(): boolean;
  /** Rows drawn (the last may be cut off) and rows fully visible. */
  visibleRows: number;
  fullRows: number;
  maxTop: number;
}

export function useHexViewport(totalRows: number): HexViewport {
  const viewportRef = useRef<HTMLDivElement>(null);
  const [top, setTopState] = useState(0);
  const [height, setHeight] = useState(0);
  const fullRows = Math.max(1, Math.floor(height / ROW_HEIGHT));
  const visibleRows = Math.max(1, Math.ceil(height / ROW_HEIGHT));
  const maxTop = Math.max(0, totalRows - fullRows);
  const maxTopRef = useRef(maxTop);
  maxTopRef.current = maxTop;

  const clamp = (row: number) => Math.min(maxTopRef.current, Math.max(0, Math.round(row)));
  // What the next frame applies: an absolute row (drag, track click) and/or a relative move (wheel).
  const pending = useRef<{ to: number | null; by: number }>({ to: null, by: 0 });
  const frame = useRef(0);

  const schedule = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const { to, by } = pending.current;
      pending.current = { to: null, by: 0 };
      flushSync(() => setTopState((t) => clamp((to ?? Math.min(t, maxTopRef.current)) + by)));
    });
  }, []);
  const scrollTo = useCallback(
    (row: number) => {
      pending.current = { to: row, by: 0 };
      schedule();
    },
    [schedule],
  );
  const scrollBy = useCallback(
    (rows: number) => {
      pending.current.by += rows;
      schedule();
    },
    [schedule],
  );
  const showNow = (row: number) => setTopState(clamp(row));
  const scrolling = useCallback(() => frame.current !== 0, []);

  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    // Rendered within the observer's callback, which runs after layout and before paint: a view
    // made shorter (the overwrite bar opening, its refusal appearing) re-reveals the caret
    // (HexView's rowsSeen) in the same frame, so no frame is painted with the caret out of sight.
    const ro = new ResizeObserver(() => flushSync(() => setHeight(el.clientHeight)));
    ro.observe(el);
    setHeight(el.clientHeight);
    // Wheel deltas accumulate in pixels so trackpads scroll as smoothly as whole-row wheels.
    let px = 0;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? ROW_HEIGHT : e.deltaMode === 2 ? el.clientHeight : 1;
      px += e.deltaY * unit;
      const rows = Math.trunc(px / ROW_HEIGHT);
      if (rows === 0) return;
      px -= rows * ROW_HEIGHT;
      scrollBy(rows);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', onWheel);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [scrollBy]);

  // A shrinking file or a taller view can leave `top` past the end: shown clamped, and the
  // next scroll starts from the clamped row.
  return { viewportRef, top: Math.min(top, maxTop), scrollTo, scrollBy, showNow, scrolling, visibleRows, fullRows, maxTop };
}
