import { useExplorer } from '../../store/useExplorer.ts';
import { RefusableButton } from '../common/Refusable.tsx';

/** Undo, redo and the download of the edited file, in the toolbar; a refused one says why. */
export function EditToolbar() {
  const done = useExplorer((s) => s.edits.done);
  const undone = useExplorer((s) => s.edits.undone);
  const unsaved = useExplorer((s) => s.hasUnsavedEdits());
  const undo = useExplorer((s) => s.undo);
  const redo = useExplorer((s) => s.redo);
  const download = useExplorer((s) => s.downloadEdited);
  const last = done.at(-1);
  const next = undone.at(-1);
  return (
    <div className="edit-tools" role="group" aria-label="Edit history">
      <RefusableButton action="undo" onPress={() => void undo()} keys="Control+Z" title={last ? `Undo ${last.label} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}>
        Undo
      </RefusableButton>
      <RefusableButton action="redo" onPress={() => void redo()} keys="Control+Shift+Z Control+Y" title={next ? `Redo ${next} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)'}>
        Redo
      </RefusableButton>
      <RefusableButton action="download" className={unsaved ? 'primary' : ''} onPress={() => void download()} title="The edited file is decoded again and must frame like the original">
        Download edited file
      </RefusableButton>
    </div>
  );
}
