import { useState, type KeyboardEvent } from 'react';
import type { FieldNode } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { EditFeedback } from './EditFeedback.tsx';
import { bufferEdit, checkValue, editorFor, editorValue } from './field-editing.ts';
import { useEditAction } from './useEditAction.ts';

interface Props {
  node: FieldNode;
  /** `applied`: the edit went through (the tree takes the focus back either way). */
  onClose(applied: boolean): void;
}

/** Edits one decoded leaf in place: a control for its type, Apply, and the worker's answer. */
export function FieldEditor({ node, onClose }: Props) {
  const editField = useExplorer((s) => s.editField);
  const [editor] = useState(() => editorFor(node));
  const [text, setText] = useState(editor && editor.kind !== 'none' ? editor.text : '');
  const [checked, setChecked] = useState(editor && editor.kind !== 'none' ? editor.checked : false);
  const act = useEditAction();
  if (!editor) return null;
  const label = `Value of ${node.path}`;

  const submit = async (force = false) => {
    if (editor.kind === 'none') return;
    const value = editorValue(editor.kind, text, checked);
    const mistake = checkValue(node, value);
    if (mistake) return act.fail(mistake);
    const edit = editor.kind === 'bytes' ? bufferEdit(node, value) : { path: node.path, value };
    if (await act.run(() => editField(edit.path, edit.value, force))) onClose(true);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose(false);
    } else if (e.key === 'Enter' && !e.shiftKey && (e.target as HTMLElement).tagName !== 'BUTTON') {
      e.preventDefault();
      void submit();
    }
  };

  const change = (t: string) => {
    setText(t);
    act.reset();
  };

  return (
    <div role="group" aria-label={`Edit ${node.path}`} className="field-editor" onKeyDown={onKeyDown}>
      {editor.kind === 'none' ? (
        <>
          <p className="muted">{node.name} cannot be edited here: {editor.reason}.</p>
          <button type="button" onClick={() => onClose(false)} autoFocus>Close</button>
        </>
      ) : (
        <>
          <div className="fe-control">
            {editor.kind === 'bytes' ? (
              <textarea aria-label={label} className="mono" value={text} onChange={(e) => change(e.target.value)} autoFocus spellCheck={false} rows={Math.min(8, Math.ceil(node.size / 16))} />
            ) : editor.kind === 'bool' ? (
              <label className="fe-toggle">
                <input type="checkbox" aria-label={label} checked={checked} onChange={(e) => (setChecked(e.target.checked), act.reset())} autoFocus />
                {checked ? 'true' : 'false'}
              </label>
            ) : (
              // A timer's expiry is disabled while "not armed" (the box just after it) is ticked: the
              // box is the reason, in sight and next in the Tab order; untick it to type a time.
              <input aria-label={label} className="mono" value={text} onChange={(e) => change(e.target.value)} autoFocus={!(editor.kind === 'timer' && editor.checked)} spellCheck={false} disabled={editor.kind === 'timer' && checked} inputMode={editor.kind === 'float' ? 'decimal' : undefined} />
            )}
            {editor.kind === 'timer' && (
              <label className="fe-toggle">
                <input type="checkbox" checked={checked} onChange={(e) => (setChecked(e.target.checked), act.reset())} autoFocus={editor.checked} />
                not armed
              </label>
            )}
          </div>
          <div className="fe-buttons">
            <button type="button" className="primary" onClick={() => void submit()} disabled={act.pending}>
              {act.pending ? 'Applying…' : 'Apply'}
            </button>
            <button type="button" onClick={() => onClose(false)}>Cancel</button>
            <span className="fe-hint muted">{editor.hint}</span>
          </div>
        </>
      )}
      <EditFeedback outcome={act.outcome} pending={act.pending} onForce={() => void submit(true)} />
    </div>
  );
}
