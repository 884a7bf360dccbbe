import { useEffect, useRef, useState, type PointerEvent } from 'react';

interface Props {
  top: number;
  maxTop: number;
  visibleRows: number;
  totalRows: number;
  controls: string;
  onScroll(row: number): void;
}

const MIN_THUMB = 24;

/** A scrollbar over row numbers: the thumb maps the whole file, however many rows it has. */
export function VirtualScrollbar({ top, maxTop, visibleRows, totalRows, controls, onScroll }: Props) {
  const trackRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ y: number; top: number } | null>(null);
  const [trackHeight, setTrackHeight] = useState(0);
  const thumb = Math.max(MIN_THUMB, totalRows > 0 ? trackHeight * Math.min(1, visibleRows / totalRows) : trackHeight);
  const travel = Math.max(1, trackHeight - thumb);
  const thumbTop = maxTop > 0 ? (top / maxTop) * travel : 0;

  useEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setTrackHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onThumbDown = (e: PointerEvent<HTMLDivElement>) => {
    e.stopPropagation();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { y: e.clientY, top };
  };
  const onThumbMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    onScroll(drag.current.top + ((e.clientY - drag.current.y) / travel) * maxTop);
  };
  const onThumbUp = () => {
    drag.current = null;
  };
  const onTrackDown = (e: PointerEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const y = e.clientY - rect.top;
    onScroll(y < thumbTop ? top - visibleRows : top + visibleRows);
  };

  return (
    <div
      ref={trackRef}
      className="vscroll"
      role="scrollbar"
      aria-controls={controls}
      aria-orientation="vertical"
      aria-valuemin={0}
      aria-valuemax={maxTop}
      aria-valuenow={top}
      aria-label="Hex rows"
      onPointerDown={onTrackDown}
    >
      <div
        className="vscroll-thumb"
        style={{ height: thumb, transform: `translateY(${thumbTop}px)` }}
        onPointerDown={onThumbDown}
        onPointerMove={onThumbMove}
        onPointerUp={onThumbUp}
        onPointerCancel={onThumbUp}
      />
    </div>
  );
}
