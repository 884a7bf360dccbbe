import { memo } from 'react';
import { ROW_BYTES } from './useHexViewport.ts';

/**
 * The column heads above the hex rows: "Offset", 00 to 0f, "ASCII". Drawn once per file. Inside a
 * container `label` names what the offsets are ("VM state"); the hover line adds the file's.
 */
export const HexHead = memo(function HexHead({ digits, label }: { digits: number; label?: string }) {
  return (
    <div className="hex-head" aria-hidden="true">
      <span className="hex-off" title={label ? `Offsets in the ${label}; the line under the bytes gives the file offset of the byte pointed at` : undefined}>{(label ?? 'Offset').slice(0, Math.max(digits, 8)).padEnd(digits)}</span>
      <span className="hex-bytes">
        {Array.from({ length: ROW_BYTES }, (_, i) => (
          <span key={i} className={`hb${i === 7 ? ' mid' : ''}`}>{i.toString(16).padStart(2, '0')}</span>
        ))}
      </span>
      <span className="hex-ascii">ASCII</span>
    </div>
  );
});
