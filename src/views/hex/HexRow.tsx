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
 * One row of 16 bytes: offset, hex cells and ASCII text. Each hex cell names its offset; the ASCII
 * column is one span per run of bytes that look the same (most rows: one to three), naming the
 * offset it starts at and how many bytes it holds: a third of the elements a span per byte
 * made, and every element costs style, layout and paint on each frame of a scroll. The tooltip
 * is not rendered here: HexView sets it on the cell under the mouse.
 */
function HexRowCells({ offset, page, at, count, digits, classes }: Props) {
  const hexCells = [];
  for (let i = 0; i < ROW_BYTES; i++) {
    if (i >= count) {
      hexCells.push(<span key={i} className="hb pad" />);
      continue;
    }
    const b = page?.[at + i];
    hexCells.push(
      <span key={i} className={`hb${classes[i]}${i === 7 ? ' mid' : ''}`} data-offset={offset + i}>
        {b === undefined ? '··' : HEX[b]}
      </span>,
    );
  }
  const asciiRuns = [];
  for (let i = 0; i < count; ) {
    let j = i + 1;
    while (j < count && classes[j] === classes[i]) j++;
    let text = '';
    for (let k = i; k < j; k++) {
      const b = page?.[at + k];
      text += b === undefined ? ' ' : CHAR[b];
    }
    asciiRuns.push(
      <span key={i} className={`ab${classes[i]}`} data-offset={offset + i} data-bytes={j - i}>
        {text}
      </span>,
    );
    i = j;
  }
  return (
    <div className="hex-row" style={{ height: ROW_HEIGHT }}>
      <span className="hex-off">{offset.toString(16).padStart(digits, '0')}</span>
      <span className="hex-bytes">{hexCells}</span>
      <span className="hex-ascii">{asciiRuns}</span>
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
