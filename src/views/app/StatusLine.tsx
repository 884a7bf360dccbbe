import { selectionText } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/** The selected byte range and what it is, e.g. "0x3f-0x46 (8 bytes) cpu (0) / env.regs[0]". */
export function StatusLine() {
  const text = useExplorer(selectionText);
  return (
    <div className="status-line" role="status" aria-label="Selection">
      {text}
    </div>
  );
}
