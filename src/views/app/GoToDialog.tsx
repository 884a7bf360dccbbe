import { useEffect, useImperativeHandle, useRef, useState, type FormEvent, type Ref } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import { useDialogFocus } from './useDialogFocus.ts';

export interface GoToHandle {
  open(): void;
}

/**
 * Ctrl+G: jump to a file offset (hex or decimal), a field path or a section. The dialog keeps
 * its open state (and its shortcut) to itself, so opening and closing it draws only the dialog,
 * not the whole page with a section table that may hold hundreds of rows.
 */
export function GoToDialog({ ref: handle }: { ref?: Ref<GoToHandle> }) {
  const ref = useRef<HTMLDialogElement>(null);
  const goTo = useExplorer((s) => s.goTo);
  const allow = useExplorer((s) => s.allow);
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const onClose = () => setOpen(false);
  // The close event is queued as a task: after a quick Go then Ctrl+G it can arrive when the
  // dialog is open again, and must not close it.
  const onClosed = () => {
    if (!ref.current?.open) setOpen(false);
  };
  const show = () => {
    // No file yet, or one whose sections are not shown yet: the notice bar says so.
    if (!allow('goto')) return;
    setError('');
    setOpen(true);
  };
  useImperativeHandle(handle, () => ({ open: show }), [allow]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'g') {
        e.preventDefault();
        show();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [allow]);

  const onDialogKey = useDialogFocus(ref, open, onClose);
  // The last target stays in the box for a second look, selected: what is typed next replaces it
  // instead of being appended to it ("0x60b7" then "cpu" went to "0x60b7cpu", not found).
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) input.current?.select();
  }, [open]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A target not shown yet while the file opens waits for it (the scan progress says so).
    const mistake = goTo(text);
    if (mistake) setError(mistake);
    else onClose();
  };

  return (
    <>
      {/* The page under the dialog takes no clicks, as under a modal dialog's backdrop. */}
      {open && <div className="goto-backdrop" aria-hidden="true" onMouseDown={(e) => e.preventDefault()} />}
      <dialog ref={ref} className="goto" aria-label="Go to" aria-modal="true" onClose={onClosed} onKeyDown={onDialogKey}>
        <form onSubmit={submit}>
          <label>
            Go to offset or field
            <input ref={input} autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="0x1f0, 4096, cpu (0)/env.regs[0]" aria-invalid={!!error} />
          </label>
          {error && <p role="alert" className="error-text">{error}</p>}
          <div className="dialog-buttons">
            <button type="button" onClick={onClose}>Cancel</button>
            <button type="submit" className="primary">Go</button>
          </div>
        </form>
      </dialog>
    </>
  );
}
