import { offsetTitle, useContainer } from '../common/offset-label.ts';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { hexToBytes } from '../../format/field-types/index.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { EditFeedback } from '../edits/EditFeedback.tsx';
import { useEditAction } from '../edits/useEditAction.ts';

/** Raw edits overwrite; the core refuses anything that would insert or touch record framing. */
export const MAX_OVERWRITE = 4096;

interface Props {
  offset: number;
  /** What the input starts with: the bytes there now, or the hex digit just typed. */
  text: string;
  onClose(): void;
}

/** Overwrites bytes at an offset in the hex view, as one action. */
export function HexEditBar({ offset, text: initial, onClose }: Props) {
  const container = useContainer();
  const editBytes = useExplorer((s) => s.editBytes);
  const [text, setText] = useState(initial);
  const act = useEditAction();
  const bytes = hexToBytes(text);
  const count = bytes?.length ?? 0;

  const submit = async (force = false) => {
    if (!bytes || count === 0) return act.fail('Type hex bytes, e.g. "5a 00 ff"');
    if (count > MAX_OVERWRITE) return act.fail(`At most ${MAX_OVERWRITE} bytes at a time`);
    if (await act.run(() => editBytes(offset, bytes, force))) onClose();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    onClose();
  };

  return (
    <form className="hex-edit" aria-label="Overwrite bytes" onSubmit={onSubmit} onKeyDown={onKeyDown}>
      <label>
        Bytes at {container ? offsetTitle(container, offset) : `0x${offset.toString(16)}`}
        <input
          className="mono"
          value={text}
          onChange={(e) => (setText(e.target.value), act.reset())}
          autoFocus
          spellCheck={false}
          aria-invalid={text.trim() !== '' && !bytes}
        />
      </label>
      <span className="muted">{bytes ? `overwrites ${count} byte${count === 1 ? '' : 's'}` : 'hex bytes'}</span>
      <button type="submit" className="primary" disabled={act.pending}>{act.pending ? 'Applying…' : 'Apply'}</button>
      <button type="button" onClick={onClose}>Cancel</button>
      <EditFeedback outcome={act.outcome} pending={act.pending} onForce={() => void submit(true)} />
    </form>
  );
}
