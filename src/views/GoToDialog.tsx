import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useExplorer } from '../store/useExplorer.ts';
import { parseGoTo } from './goto-target.ts';

/** Ctrl+G: jump to a file offset (hex or decimal), a field path or a section. */
export function GoToDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const model = useExplorer((s) => s.model);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const selectField = useExplorer((s) => s.selectField);
  const selectRecord = useExplorer((s) => s.selectRecord);
  const [text, setText] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setError('');
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!model) return;
    const t = parseGoTo(text, model);
    if (t.kind === 'error') {
      setError(t.message);
      return;
    }
    if (t.kind === 'offset') selectOffset(t.offset);
    else if (t.kind === 'field') selectField(t.path);
    else selectRecord(t.index);
    onClose();
  };

  return (
    <dialog ref={ref} className="goto" aria-label="Go to" onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          Go to offset or field
          <input autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="0x1f0, 4096, cpu (0)/env.regs[0]" aria-invalid={!!error} />
        </label>
        {error && <p role="alert" className="error-text">{error}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary">Go</button>
        </div>
      </form>
    </dialog>
  );
}
