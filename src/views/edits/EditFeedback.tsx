import type { EditOutcome } from '../../store/edits-slice.ts';

interface Props {
  outcome: EditOutcome | null;
  pending: boolean;
  /** Sends the same edit again with force (or accepting its warnings). */
  onForce(): void;
}

/** Under an editor: why the worker refused the edit, or the warnings to accept first. */
export function EditFeedback({ outcome, pending, onForce }: Props) {
  if (!outcome || outcome.status === 'applied') return null;
  if (outcome.status === 'failed') {
    return <p role="alert" className="edit-refused">{outcome.reason}</p>;
  }
  if (outcome.status === 'confirm') {
    return (
      <div role="alert" className="edit-warnings">
        <p>QEMU may refuse this file:</p>
        <ul>{outcome.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
        <button type="button" onClick={onForce} disabled={pending}>{pending ? 'Applying…' : 'Apply anyway'}</button>
      </div>
    );
  }
  // A forced edit carries its refusal as a warning: list only what the reason does not say.
  const more = outcome.warnings.filter((w) => !outcome.reason.includes(w));
  return (
    <div role="alert" className="edit-refused">
      <p>Refused: {outcome.reason}</p>
      {outcome.canForce && (
        <>
          {more.length > 0 && <ul className="edit-warnings">{more.map((w) => <li key={w}>{w}</li>)}</ul>}
          <button type="button" onClick={onForce} disabled={pending}>{pending ? 'Applying…' : 'Force this edit'}</button>
        </>
      )}
    </div>
  );
}
