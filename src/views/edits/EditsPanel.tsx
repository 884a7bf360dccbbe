import { useState } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import { EditFeedback } from './EditFeedback.tsx';
import { EditRow } from './EditRow.tsx';
import { FileButton } from '../common/FileButton.tsx';
import { RefusableButton } from '../common/Refusable.tsx';
import { useEditAction } from './useEditAction.ts';

/** Every applied edit, newest last; export them as a JSON patch or apply one to this file. */
export function EditsPanel() {
  const edits = useExplorer((s) => s.edits);
  const exportPatch = useExplorer((s) => s.exportPatch);
  const applyPatch = useExplorer((s) => s.applyPatch);
  const act = useEditAction();
  const [patch, setPatch] = useState<{ text: string; name: string } | null>(null);
  const n = edits.done.length;

  const apply = (text: string, name: string, force = false) => {
    setPatch({ text, name });
    void act.run(() => applyPatch(text, name, force));
  };

  return (
    <section className="pane edits" aria-label="Edits">
      <div className="pane-head">
        <h2>Edits</h2>
        <span className="count">{n === 0 ? 'none' : `${n} applied`}</span>
        <RefusableButton action="export-patch" onPress={() => void exportPatch()} title="Save the edits as a JSON patch">Export patch</RefusableButton>
        <FileButton label="Apply patch…" accept=".json,application/json" onFile={(f) => void f.text().then((t) => apply(t, f.name))} action="apply-patch" />
      </div>
      {edits.framing && !edits.framing.ok && (
        <p role="alert" className="edit-refused framing">
          The edited file no longer frames like the original, so it cannot be downloaded: {edits.framing.reasons.join('; ')}. Undo or revert the edit that caused it.
        </p>
      )}
      {patch && <EditFeedback outcome={act.outcome} pending={act.pending} onForce={() => apply(patch.text, patch.name, true)} />}
      {n === 0 ? (
        <p className="muted hint">Edit a field (Enter or double-click in the tree), bytes (Enter in the hex view) or a section header.</p>
      ) : (
        <ol className="edit-list">
          {edits.done.map((a) => (
            <EditRow key={a.id} action={a} />
          ))}
        </ol>
      )}
    </section>
  );
}
