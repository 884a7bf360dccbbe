import type { Header } from '@tanstack/react-table';
import type { KeyboardEvent } from 'react';
import type { StreamRecord } from '../../format/model.ts';

/** Keyboard steps (px): arrows, and with Shift. */
const STEP = 8;
const BIG_STEP = 40;
/** For aria-valuemax when a column sets no maximum (TanStack's default is Number.MAX_SAFE_INTEGER). */
const ARIA_MAX = 1000;

/**
 * The drag handle at a header's right edge (TanStack column sizing). Also a focusable WAI-ARIA
 * separator: Left/Right (Shift for bigger steps) resize, Home or double-click restores the default.
 */
export function ColumnResizer({ header }: { header: Header<StreamRecord, unknown> }) {
  const c = header.column;
  if (!c.getCanResize()) return null;
  const name = String(c.columnDef.header);
  const min = c.columnDef.minSize ?? 20;
  const max = Math.min(c.columnDef.maxSize ?? ARIA_MAX, ARIA_MAX);
  const handler = header.getResizeHandler();
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.shiftKey ? BIG_STEP : STEP;
    const delta = e.key === 'ArrowLeft' ? -step : e.key === 'ArrowRight' ? step : 0;
    if (e.key === 'Home') c.resetSize();
    else if (delta) header.getContext().table.setColumnSizing((old) => ({ ...old, [c.id]: Math.max(min, Math.min(max, c.getSize() + delta)) }));
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize the ${name} column`}
      aria-valuenow={c.getSize()}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      title={`Drag to resize ${name}; double-click restores its width`}
      className={`col-resizer${c.getIsResizing() ? ' resizing' : ''}`}
      onMouseDown={handler}
      onTouchStart={handler}
      onDoubleClick={() => c.resetSize()}
      onKeyDown={onKeyDown}
    />
  );
}
