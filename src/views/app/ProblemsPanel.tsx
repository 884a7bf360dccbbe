import { useState } from 'react';
import { offsetText, offsetTitle, useContainer } from '../common/offset-label.ts';
import { titleTruncated } from '../common/overflow-title.ts';
import { PROBLEM_CODES, type Problem } from '../../format/errors.ts';
import { hex } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';

const NONE: Problem[] = [];
/** A badly damaged file can report thousands; the first ones are the ones that matter. */
const SHOWN = 500;

/** Every error and warning of the file; each jumps to its offset. */
export function ProblemsPanel() {
  const problems = useExplorer((s) => s.model?.problems ?? NONE);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const size = useExplorer((s) => s.model?.fileSize ?? 0);
  const container = useContainer();
  const errors = problems.filter((p) => p.severity === 'error').length;
  // The problem chosen last shows its whole message, wrapped and selectable (to copy), under its
  // row: a row is one line, and a long message cut there was readable only in a hover title.
  const [chosen, setChosen] = useState<Problem | null>(null);
  return (
    <section className="pane problems" aria-label="Problems">
      <div className="pane-head">
        <h2>Problems</h2>
        <span className="count">{problems.length === 0 ? 'none' : `${errors} error${errors === 1 ? '' : 's'}, ${problems.length - errors} other`}</span>
      </div>
      <ul className="problem-list" onMouseOver={titleTruncated}>
        {problems.slice(0, SHOWN).map((p, i) => (
          <li key={i} className={`problem ${p.severity}${p === chosen ? ' chosen' : ''}`}>
            <button
              type="button"
              aria-expanded={p === chosen}
              onClick={() => {
                setChosen(p);
                selectOffset(Math.min(p.offset, size - 1));
              }}
            >
              <span className="badge">{p.severity}</span>
              <span className="mono" title={container ? offsetTitle(container, p.offset) : undefined}>{container ? offsetText(container, p.offset) : hex(p.offset)}</span>
              <span className="problem-title">{PROBLEM_CODES[p.code].title}</span>
              <span className="problem-msg">
                {p.message}
                {p.path ? ` [${p.path}]` : ''}
              </span>
            </button>
            {p === chosen && (
              <p className="problem-full">
                {p.message}
                {p.path ? ` [${p.path}]` : ''}
              </p>
            )}
          </li>
        ))}
      </ul>
      {problems.length > SHOWN && <p className="muted more">{(problems.length - SHOWN).toLocaleString('en-US')} more not listed.</p>}
    </section>
  );
}
