import { offsetTitle, useContainer } from '../common/offset-label.ts';
import { coordinates, fileOffsetText } from '../../store/host-offsets.ts';
import { selectionText } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';

/**
 * The selected byte range and what it is, e.g. "0x3f-0x46 (8 bytes) cpu (0) / env.regs[0]"; inside
 * a container both coordinates, labelled: "VM state 0x3f-0x46 (8 bytes) … · image file 0x5003f",
 * "stream 0x3f-0x46 … · file: inside the xz-compressed stream". The title says it in words.
 */
export function StatusLine() {
  const text = useExplorer(selectionText);
  const from = useExplorer((s) => s.range?.from);
  const container = useContainer();
  const k = coordinates({ container });
  const both = k !== null && from !== undefined;
  return (
    <div className="status-line" role="status" aria-label="Selection" title={both ? offsetTitle(container, from) : undefined}>
      {both ? `${k.stream} ${text} · ${fileOffsetText(k, from)}` : text}
    </div>
  );
}
