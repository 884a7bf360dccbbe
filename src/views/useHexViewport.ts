// The hex view's own scroll position: a first visible row instead of scrollTop, because a
// browser's native scroll height (~33 M px in Chromium) ends long before a multi-GiB file does.

import { useCallback, useEffect, useRef, useState } from 'react';

export const ROW_BYTES = 16;
export const ROW_HEIGHT = 20;

export interface HexViewport {
  viewportRef: React.RefObject<HTMLDivElement | null>;
  top: number;
  setTop(row: number): void;
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

  const setTop = useCallback((row: number) => {
    setTopState(Math.min(maxTopRef.current, Math.max(0, Math.round(row))));
  }, []);

  useEffect(() => {
    if (top > maxTop) setTopState(maxTop);
  }, [top, maxTop]);

  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    // Wheel deltas accumulate in pixels so trackpads scroll as smoothly as whole-row wheels.
    let pending = 0;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const unit = e.deltaMode === 1 ? ROW_HEIGHT : e.deltaMode === 2 ? el.clientHeight : 1;
      pending += e.deltaY * unit;
      const rows = Math.trunc(pending / ROW_HEIGHT);
      if (rows === 0) return;
      pending -= rows * ROW_HEIGHT;
      setTopState((t) => Math.min(maxTopRef.current, Math.max(0, t + rows)));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', onWheel);
    };
  }, []);

  return { viewportRef, top: Math.min(top, maxTop), setTop, visibleRows, fullRows, maxTop };
}
