import { memo } from 'react';
import { ROW_BYTES } from './useHexViewport.ts';

/** The column heads above the hex rows: "Offset", 00 to 0f, "ASCII". Drawn once per file. */
export const HexHead = memo(function HexHead({ digits, stream = false }: { digits: number; stream?: boolean }) {
  return (
    <div className="hex-head" aria-hidden="true">
      {/* Inside a container the rows are numbered in stream offsets (the hover title gives the file offset where one exists). */}
      <span className="hex-off">{(stream ? 'Stream' : 'Offset').padEnd(digits)}</span>
      <span className="hex-bytes">
        {Array.from({ length: ROW_BYTES }, (_, i) => (
          <span key={i} className={`hb${i === 7 ? ' mid' : ''}`}>{i.toString(16).padStart(2, '0')}</span>
        ))}
      </span>
      <span className="hex-ascii">ASCII</span>
    </div>
  );
});
