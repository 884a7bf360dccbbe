// Which byte the mouse is over in the hex view, for the hover line, the hovered field's tint and
// the cell's tooltip. The tooltip is set on that one cell when it is pointed at, not rendered on
// every cell: building the text of ~1,400 tooltips on every frame of a scroll cost more than
// drawing the bytes.

import { useEffect, useRef, useState, type MouseEvent } from 'react';
import type { Annotator } from './byte-annotator.ts';

function cellOf(e: MouseEvent): Element | null {
  return (e.target as Element).closest('[data-offset]');
}

/** The byte under the mouse: a hex cell's own, or within an ASCII run by where in it the mouse is. */
function offsetIn(cell: Element | null, e: MouseEvent): number | null {
  if (!cell) return null;
  const start = Number(cell.getAttribute('data-offset'));
  const n = Number(cell.getAttribute('data-bytes') ?? 1);
  if (n === 1) return start;
  const box = cell.getBoundingClientRect();
  return start + Math.min(n - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * n)));
}

/** The byte a mouse event is on, or null outside the bytes. */
export function offsetOf(e: MouseEvent): number | null {
  return offsetIn(cellOf(e), e);
}

export interface ByteHover {
  hover: number | null;
  onMouseMove(e: MouseEvent): void;
  onMouseLeave(): void;
}

/** `top` is the first row shown: a scroll puts other bytes under the cells, so tooltips go. */
export function useByteHover(annotate: Annotator, top: number): ByteHover {
  const [hover, setHover] = useState<number | null>(null);
  const pointed = useRef<{ cell: Element | null; offset: number | null }>({ cell: null, offset: null });

  useEffect(() => {
    pointed.current.cell?.removeAttribute('title');
    pointed.current = { cell: null, offset: null };
  }, [top]);

  const onMouseMove = (e: MouseEvent) => {
    const cell = cellOf(e);
    const offset = offsetIn(cell, e);
    const was = pointed.current;
    if (cell === was.cell && offset === was.offset) return;
    if (was.cell !== cell) was.cell?.removeAttribute('title');
    pointed.current = { cell, offset };
    setHover(offset);
    // Set before the browser looks for a tooltip, which it does right after this event.
    const title = offset === null ? undefined : annotate.title(offset);
    if (title !== undefined) cell!.setAttribute('title', title);
    else cell?.removeAttribute('title');
  };
  const onMouseLeave = () => {
    pointed.current.cell?.removeAttribute('title');
    pointed.current = { cell: null, offset: null };
    setHover(null);
  };
  return { hover, onMouseMove, onMouseLeave };
}
