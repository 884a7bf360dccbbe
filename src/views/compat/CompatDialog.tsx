import { useImperativeHandle, useRef, useState, type FormEvent, type Ref } from 'react';
import { busyReason } from '../../store/action-guard.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { useDialogFocus } from '../app/useDialogFocus.ts';
import { RefusableButton } from '../common/Refusable.tsx';
import { CompatReportView } from './CompatReportView.tsx';

export interface CompatHandle {
  open(): void;
}

/** The QEMU versions public/compat has data for (format/compat/run.ts COMPAT_VERSIONS). */
const VERSIONS = ['7.2', '10.0', '11.1'];

/**
 * "Check against QEMU ...": will the open file load into that QEMU version (and machine type)?
 * The worker checks; the report lists what QEMU would print and links each section concerned to
 * the explorer. Non-modal like Go to, so the explorer stays usable beside the report.
 */
export function CompatDialog({ ref: handle }: { ref?: Ref<CompatHandle> }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState('10.0');
  const [machine, setMachine] = useState('');
  const compat = useExplorer((s) => s.compat);
  const checkCompat = useExplorer((s) => s.checkCompat);
  const cancelCompat = useExplorer((s) => s.cancelCompat);
  const refused = useExplorer((s) => busyReason(s, 'compat'));
  const onClose = () => setOpen(false);
  useImperativeHandle(handle, () => ({ open: () => setOpen(true) }), []);
  const onKey = useDialogFocus(ref, open, onClose);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void checkCompat(machine.trim() ? `${version}:${machine.trim()}` : version);
  };
  const running = compat?.running;

  return (
    <dialog ref={ref} className="compat-dialog" aria-label="Check against QEMU" onKeyDown={onKey} onClose={() => !ref.current?.open && setOpen(false)}>
      <form onSubmit={submit}>
        <h2>Check against QEMU</h2>
        <div className="compat-target">
          <label>
            QEMU version
            <select autoFocus value={version} onChange={(e) => setVersion(e.target.value)}>
              {VERSIONS.map((v) => (
                <option key={v} value={v}>{v}</option>
              ))}
            </select>
          </label>
          <label>
            Machine type (optional)
            <input value={machine} onChange={(e) => setMachine(e.target.value)} placeholder="the file's own family, e.g. pc-q35-10.0" />
          </label>
        </div>
        {running && (
          <div className="compat-progress" role="status">
            <progress value={running.step} max={running.total} aria-label="Check progress" /> step {Math.min(running.step + 1, running.total)} of {running.total}
            <button type="button" onClick={cancelCompat}>Cancel check</button>
          </div>
        )}
        {compat?.error && <p role="alert" className="error-text">{compat.error}</p>}
        {compat?.report && <CompatReportView report={compat.report} generation={compat.generation} onGo={onClose} />}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>Close</button>
          <RefusableButton by={{ reason: refused }} submit className="primary" title="Check the open file against this QEMU">
            Check
          </RefusableButton>
        </div>
      </form>
    </dialog>
  );
}
