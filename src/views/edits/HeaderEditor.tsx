import { useState, type FormEvent } from 'react';
import type { HeaderChange } from '../../format/edit/plan.ts';
import { recordTitle, type StreamRecord } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { busyReason } from '../../store/action-guard.ts';
import { RefusableButton } from '../common/Refusable.tsx';
import { useFocusBack } from '../common/useFocusBack.ts';
import { EditFeedback } from './EditFeedback.tsx';
import { useEditAction } from './useEditAction.ts';

function parseU32(text: string): number | null {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return null;
  const n = Number(t);
  return n <= 0xffffffff ? n : null;
}

/** A START/FULL section's idstr, instance id and version id; a longer idstr makes the record longer. */
export function HeaderEditor({ record: r }: { record: StreamRecord }) {
  const editHeader = useExplorer((s) => s.editHeader);
  const refused = useExplorer((s) => busyReason(s, 'edit'));
  const [open, setOpen] = useState(false);
  const [idstr, setIdstr] = useState(r.idstr ?? '');
  const [instance, setInstance] = useState(String(r.instanceId ?? 0));
  const [version, setVersion] = useState(String(r.versionId ?? 0));
  const act = useEditAction();
  const title = recordTitle(r);
  // Closing the form (Escape, Cancel, Apply) gives the focus back to "Edit header".
  const back = useFocusBack<HTMLButtonElement>(!open);
  const close = () => back.close(() => setOpen(false));

  const start = () => {
    setIdstr(r.idstr ?? '');
    setInstance(String(r.instanceId ?? 0));
    setVersion(String(r.versionId ?? 0));
    act.reset();
    setOpen(true);
  };

  const submit = async (force = false) => {
    const instanceId = parseU32(instance);
    const versionId = parseU32(version);
    if (instanceId === null || versionId === null) return act.fail('Instance id and version id are unsigned 32-bit integers (decimal or 0x hex)');
    const change: HeaderChange = {};
    if (idstr !== r.idstr) change.idstr = idstr;
    if (instanceId !== r.instanceId) change.instanceId = instanceId;
    if (versionId !== r.versionId) change.versionId = versionId;
    if (Object.keys(change).length === 0) return close();
    if (await act.run(() => editHeader(r.index, change, force))) close();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };

  if (!open) {
    return (
      <RefusableButton by={{ reason: refused }} ref={back.ref} className="header-edit-open" onPress={start}>
        Edit header
      </RefusableButton>
    );
  }
  return (
    <form className="header-editor" aria-label={`Header of ${title}`} onSubmit={onSubmit} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <label>
        idstr
        <input className="mono" value={idstr} onChange={(e) => (setIdstr(e.target.value), act.reset())} autoFocus spellCheck={false} />
      </label>
      <label>
        Instance id
        <input className="mono num" value={instance} onChange={(e) => (setInstance(e.target.value), act.reset())} />
      </label>
      <label>
        Version id
        <input className="mono num" value={version} onChange={(e) => (setVersion(e.target.value), act.reset())} />
      </label>
      <button type="submit" className="primary" disabled={act.pending}>{act.pending ? 'Applying…' : 'Apply'}</button>
      <button type="button" onClick={close}>Cancel</button>
      <EditFeedback outcome={act.outcome} pending={act.pending} onForce={() => void submit(true)} />
    </form>
  );
}
