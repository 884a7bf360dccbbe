import { useEffect, useRef } from 'react';
import { RAM_CELL } from '../../format/ram.ts';

export const RAM_COLUMNS = 256;
const WIDTH = 512;
const CELL_H = 6;

/** Colours per RAM_CELL value, read from the theme so dark mode gets its own. */
function palette(el: HTMLElement): string[] {
  const css = getComputedStyle(el);
  return [css.getPropertyValue('--ram-none'), css.getPropertyValue('--ram-zero'), css.getPropertyValue('--ram-data'), css.getPropertyValue('--ram-other')];
}

/** Draws one cell per group of pages, at most RAM_COLUMNS cells a row. */
export function RamPicture({ cells, label }: { cells: Uint8Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Few cells (a small block) get wide cells, so a one-page block is still visible.
  const columns = Math.min(RAM_COLUMNS, cells.length);
  const cellW = Math.min(16, Math.floor(WIDTH / Math.max(1, columns)));
  const rows = Math.max(1, Math.ceil(cells.length / columns));
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const colours = palette(canvas);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i < cells.length; i++) {
      ctx.fillStyle = colours[cells[i]] || colours[RAM_CELL.notSent];
      ctx.fillRect((i % columns) * cellW, Math.floor(i / columns) * CELL_H, cellW, CELL_H);
    }
  }, [cells, columns, cellW]);
  return <canvas ref={ref} className="ram-picture" width={columns * cellW} height={rows * CELL_H} role="img" aria-label={label} />;
}
