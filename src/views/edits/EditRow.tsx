import { parseHeaderText } from '../../format/edit/find.ts';
import type { StreamRecord } from '../../format/model.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import type { ActionInfo } from '../../worker/protocol.ts';
import { EditFeedback } from './EditFeedback.tsx';
import { changeText, textChange } from './field-editing.ts';
import { useEditAction } from './useEditAction.ts';

type Part = ActionInfo['parts'][number];

const partText = (p: Part) => (p.kind === 'container' ? textChange(p.before, p.after) : changeText(p.before, p.after, p.bytes));

/** One applied action: what it changed (old → new), its warnings, and a way to revert it. */
export function EditRow({ action }: { action: ActionInfo }) {
  const revertEdit = useExplorer((s) => s.revertEdit);
  const selectField = useExplorer((s) => s.selectField);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const selectRecord = useExplorer((s) => s.selectRecord);
  const records = useExplorer((s) => s.model?.records);
  const act = useEditAction();

  const show = (p: Part) => {
    // The container's fields are in the container panel, not in the stream's panes.
    if (p.kind === 'container') return;
    if (p.kind === 'raw') return selectOffset(parseInt(p.path, 16));
    if (p.kind === 'field') return selectField(p.path) || selectField(p.path.replace(/\[\d+\]$/, ''));
    const h = parseHeaderText(p.after);
    const rec = h && records?.find((r: StreamRecord) => r.kind === 'section' && r.idstr === h.idstr && r.instanceId === h.instanceId);
    if (rec) selectRecord(rec.index);
  };
  const revert = () => void act.run(() => revertEdit(action.id));

  const single = action.parts.length === 1 ? action.parts[0] : null;
  return (
    <li className="edit-row" aria-label={action.label}>
      <div className="er-head">
        {single ? (
          <button type="button" className="er-path er-label" onClick={() => show(single)} title={`Show ${single.path}`}>
            {action.label}
          </button>
        ) : (
          <span className="er-label">{action.label}</span>
        )}
        <button type="button" onClick={revert} disabled={act.pending} aria-label={`${act.pending ? 'Reverting' : 'Revert'} ${action.label}`}>
          {act.pending ? 'Reverting…' : 'Revert'}
        </button>
      </div>
      {single ? (
        <div className="er-change mono">{partText(single)}</div>
      ) : (
        <ul className="er-parts">
          {action.parts.map((p, i) => (
            <li key={i}>
              <button type="button" className="er-path" onClick={() => show(p)} title={`Show ${p.path}`}>
                {p.kind === 'header' ? `header of ${p.path}` : p.path}
              </button>
              <span className="er-change mono">{partText(p)}</span>
            </li>
          ))}
        </ul>
      )}
      {action.warnings.length > 0 && (
        <ul className="er-warnings">
          {action.warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      )}
      <EditFeedback outcome={act.outcome} pending={act.pending} onForce={revert} />
    </li>
  );
}
