import { useEffect, useRef } from 'react';
import { RAM_DIFF_CELL, type RamDiff } from '../../format/diff/types.ts';

const COLUMNS = 256;
const CELL_H = 6;

/** Where a block's pages differ: one cell per group of pages (same, differ, not comparable). */
function DiffPicture({ cells, label }: { cells: Uint8Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const columns = Math.min(COLUMNS, cells.length);
  const cellW = Math.min(16, Math.floor(512 / Math.max(1, columns)));
  const rows = Math.max(1, Math.ceil(cells.length / columns));
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const css = getComputedStyle(ref.current!);
    const colour: string[] = [];
    colour[RAM_DIFF_CELL.same] = css.getPropertyValue('--ram-zero');
    colour[RAM_DIFF_CELL.differ] = css.getPropertyValue('--error');
    colour[RAM_DIFF_CELL.unknown] = css.getPropertyValue('--ram-other');
    for (let i = 0; i < cells.length; i++) {
      ctx.fillStyle = colour[cells[i]];
      ctx.fillRect((i % columns) * cellW, Math.floor(i / columns) * CELL_H, cellW, CELL_H);
    }
  }, [cells, columns, cellW]);
  return <canvas ref={ref} className="ram-picture" width={columns * cellW} height={rows * CELL_H} role="img" aria-label={label} />;
}

/** Per RAM block: how many pages differ, and a picture of where. */
export function RamDiffList({ ram, stale }: { ram: RamDiff; stale?: boolean }) {
  return (
    <section className="ram-view" aria-label="RAM compared">
      <h3 className="pane-title">RAM: {ram.differing.toLocaleString('en-US')} page{ram.differing === 1 ? '' : 's'} differ{stale ? ' (compared before the latest edits)' : ''}</h3>
      <ul className="ram-blocks">
        {ram.blocks.map((b) => (
          <li key={b.name}>
            <div className="ram-head">
              <strong>{b.name}</strong>
              <span>
                {b.only ? `only in the ${b.only} file` : `${b.differing.toLocaleString('en-US')} of ${b.pages.toLocaleString('en-US')} pages differ`}
                {b.unknown ? `, ${b.unknown} not comparable (XBZRLE/compressed)` : ''}
              </span>
              {b.firstDiffering.length > 0 && <span className="muted">first at page {b.firstDiffering.slice(0, 4).map((p) => `0x${p.toString(16)}`).join(', ')}</span>}
            </div>
            {(b.differing > 0 || b.unknown > 0 || b.only) && <DiffPicture cells={b.cells} label={`${b.name}: where pages differ`} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
