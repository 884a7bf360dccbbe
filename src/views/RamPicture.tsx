import { useEffect, useRef } from 'react';
import { RAM_CELL } from '../worker/protocol.ts';

export const RAM_COLUMNS = 256;
const CELL_W = 2;
const CELL_H = 4;

/** Colours per RAM_CELL value, read from the theme so dark mode gets its own. */
function palette(el: HTMLElement): string[] {
  const css = getComputedStyle(el);
  return [css.getPropertyValue('--ram-none'), css.getPropertyValue('--ram-zero'), css.getPropertyValue('--ram-data'), css.getPropertyValue('--ram-other')];
}

/** Draws one cell per group of pages, RAM_COLUMNS cells a row. */
export function RamPicture({ cells, label }: { cells: Uint8Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const rows = Math.max(1, Math.ceil(cells.length / RAM_COLUMNS));
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const colours = palette(canvas);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < cells.length; i++) {
      ctx.fillStyle = colours[cells[i]] || colours[RAM_CELL.notSent];
      ctx.fillRect((i % RAM_COLUMNS) * CELL_W, Math.floor(i / RAM_COLUMNS) * CELL_H, CELL_W, CELL_H);
    }
  }, [cells]);
  return <canvas ref={ref} className="ram-picture" width={RAM_COLUMNS * CELL_W} height={rows * CELL_H} role="img" aria-label={label} />;
}
