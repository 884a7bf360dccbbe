import { offsetTitle, useContainer } from '../common/offset-label.ts';
import { selectionText } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/** The selected byte range and what it is, e.g. "0x3f-0x46 (8 bytes) cpu (0) / env.regs[0]". */
export function StatusLine() {
  const text = useExplorer(selectionText);
  const from = useExplorer((s) => s.range?.from);
  const container = useContainer();
  // Inside a container the range is in stream offsets: said so, and the title gives the file offset where one exists.
  const stream = container && from !== undefined;
  return (
    <div className="status-line" role="status" aria-label="Selection" title={stream ? offsetTitle(container, from) : undefined}>
      {stream ? `stream ${text}` : text}
    </div>
  );
}
