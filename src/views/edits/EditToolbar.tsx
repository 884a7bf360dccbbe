import { useExplorer } from '../../store/useExplorer.ts';

/** Undo, redo and the download of the edited file, in the toolbar. */
export function EditToolbar() {
  const done = useExplorer((s) => s.edits.done);
  const undone = useExplorer((s) => s.edits.undone);
  const canEdit = useExplorer((s) => s.file !== null && !s.partial);
  const unsaved = useExplorer((s) => s.hasUnsavedEdits());
  const busy = useExplorer((s) => s.editBusy !== null);
  const undo = useExplorer((s) => s.undo);
  const redo = useExplorer((s) => s.redo);
  const download = useExplorer((s) => s.downloadEdited);
  const last = done.at(-1);
  const next = undone.at(-1);
  return (
    <div className="edit-tools" role="group" aria-label="Edit history">
      <button type="button" onClick={() => void undo()} disabled={!canEdit || !last} aria-keyshortcuts="Control+Z" title={last ? `Undo ${last.label} (Ctrl+Z)` : 'Nothing to undo'}>
        Undo
      </button>
      <button type="button" onClick={() => void redo()} disabled={!canEdit || !next} aria-keyshortcuts="Control+Shift+Z Control+Y" title={next ? `Redo ${next} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
        Redo
      </button>
      <button type="button" className={unsaved ? 'primary' : ''} onClick={() => void download()} disabled={!canEdit || busy} title="The edited file is decoded again and must frame like the original">
        Download edited file
      </button>
    </div>
  );
}
