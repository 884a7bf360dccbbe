import type { Annotator } from './byte-annotator.ts';
import { ROW_BYTES, ROW_HEIGHT } from './useHexViewport.ts';

interface Props {
  offset: number;
  /** Bytes of this row, undefined while their page loads. */
  bytes: Uint8Array | undefined;
  count: number;
  digits: number;
  annotate: Annotator;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CHAR = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));

/** One row of 16 bytes: offset, hex cells and ASCII cells, each cell naming its offset. */
export function HexRow({ offset, bytes, count, digits, annotate }: Props) {
  const hexCells = [];
  const asciiCells = [];
  for (let i = 0; i < ROW_BYTES; i++) {
    const o = offset + i;
    if (i >= count) {
      hexCells.push(<span key={i} className="hb pad" />);
      continue;
    }
    const b = bytes?.[i];
    const cls = annotate.className(o);
    const title = annotate.title(o);
    hexCells.push(
      <span key={i} className={`hb${cls}${i === 7 ? ' mid' : ''}`} data-offset={o} title={title}>
        {b === undefined ? '··' : HEX[b]}
      </span>,
    );
    asciiCells.push(
      <span key={i} className={`ab${cls}`} data-offset={o} title={title}>
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
