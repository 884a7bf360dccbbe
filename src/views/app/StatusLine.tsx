import { selectionText } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { coordinates, fileOffsetText } from '../../store/host-offsets.ts';

/**
 * The selected byte range and what it is, e.g. "0x3f-0x46 (8 bytes) cpu (0) / env.regs[0]"; inside
 * a container both coordinates, labelled: "VM state 0x3f-0x46 (8 bytes) … · image file 0x5003f".
 */
export function StatusLine() {
  const text = useExplorer((s) => {
    const k = s.range ? coordinates(s) : null;
    return k && s.range ? `${k.stream} ${selectionText(s)} · ${fileOffsetText(k, s.range.from)}` : selectionText(s);
  });
  return (
    <div className="status-line" role="status" aria-label="Selection">
      {text}
    </div>
  );
}
