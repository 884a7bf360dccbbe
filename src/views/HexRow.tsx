import { memo } from 'react';
import { ROW_BYTES, ROW_HEIGHT } from './useHexViewport.ts';

interface Props {
  offset: number;
  /** The cached page holding this row, undefined while it loads; the row starts at `at` in it. */
  page: Uint8Array | undefined;
  at: number;
  count: number;
  digits: number;
  /** Class suffix of each of the row's `count` bytes (byte-annotator.ts). */
  classes: readonly string[];
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CHAR = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));

/**
 * One row of 16 bytes: offset, hex cells and ASCII cells, each cell naming its offset. The
 * tooltip is not rendered here: HexView sets it on the cell under the mouse when it is hovered.
 */
function HexRowCells({ offset, page, at, count, digits, classes }: Props) {
  const hexCells = [];
  const asciiCells = [];
  for (let i = 0; i < ROW_BYTES; i++) {
    const o = offset + i;
    if (i >= count) {
      hexCells.push(<span key={i} className="hb pad" />);
      continue;
    }
    const b = page?.[at + i];
    const cls = classes[i];
    hexCells.push(
      <span key={i} className={`hb${cls}${i === 7 ? ' mid' : ''}`} data-offset={o}>
        {b === undefined ? '··' : HEX[b]}
      </span>,
    );
    asciiCells.push(
      <span key={i} className={`ab${cls}`} data-offset={o}>
        {b === undefined ? ' ' : CHAR[b]}
      </span>,
    );
  }
  return (
    <div className="hex-row" style={{ height: ROW_HEIGHT }}>
      <span className="hex-off">{offset.toString(16).padStart(digits, '0')}</span>
      <span className="hex-bytes">{hexCells}</span>
      <span className="hex-ascii">{asciiCells}</span>
    </div>
  );
}

/** A row draws again only when its bytes, its place or one of its classes changed. */
function sameRow(a: Props, b: Props): boolean {
  if (a.offset !== b.offset || a.page !== b.page || a.at !== b.at || a.count !== b.count || a.digits !== b.digits) return false;
  for (let i = 0; i < a.count; i++) if (a.classes[i] !== b.classes[i]) return false;
  return true;
}

export const HexRow = memo(HexRowCells, sameRow);
