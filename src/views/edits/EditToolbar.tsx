import { useExplorer } from '../../store/useExplorer.ts';
import { busyReason } from '../../store/action-guard.ts';

/** Undo, redo and the download of the edited file, in the toolbar; a disabled one says why. */
export function EditToolbar() {
  const done = useExplorer((s) => s.edits.done);
  const undone = useExplorer((s) => s.edits.undone);
  const noUndo = useExplorer((s) => busyReason(s, 'undo'));
  const noRedo = useExplorer((s) => busyReason(s, 'redo'));
  const noDownload = useExplorer((s) => busyReason(s, 'download'));
  const unsaved = useExplorer((s) => s.hasUnsavedEdits());
  const undo = useExplorer((s) => s.undo);
  const redo = useExplorer((s) => s.redo);
  const download = useExplorer((s) => s.downloadEdited);
  const last = done.at(-1);
  const next = undone.at(-1);
  return (
    <div className="edit-tools" role="group" aria-label="Edit history">
      <button type="button" onClick={() => void undo()} disabled={!!noUndo} aria-keyshortcuts="Control+Z" title={noUndo ?? (last ? `Undo ${last.label} (Ctrl+Z)` : 'Undo (Ctrl+Z)')}>
        Undo
      </button>
      <button type="button" onClick={() => void redo()} disabled={!!noRedo} aria-keyshortcuts="Control+Shift+Z Control+Y" title={noRedo ?? (next ? `Redo ${next} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)')}>
        Redo
      </button>
      <button type="button" className={unsaved ? 'primary' : ''} onClick={() => void download()} disabled={!!noDownload} title={noDownload ?? 'The edited file is decoded again and must frame like the original'}>
        Download edited file
      </button>
    </div>
  );
}
