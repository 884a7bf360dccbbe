import type { SectionDiff } from '../../format/diff/types.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { STATUS_TEXT } from './compare-rows.ts';

function changes(s: SectionDiff): string {
  const n = s.fields.length + s.subsections.length + s.unlisted;
  const parts = n ? [`${n}`] : [];
  if (s.ignored) parts.push(`${s.ignored} ignored`);
  return parts.join(', ');
}

/** Sections of both files aligned by idstr and instance: one row each, with how they compare. */
export function SectionDiffTable({ sections }: { sections: readonly SectionDiff[] }) {
  const selected = useExplorer((s) => s.compareSelection?.key ?? null);
  const select = useExplorer((s) => s.selectDifference);
  return (
    <div className="compare-table">
      <table className="grid compare-sections" aria-label="Sections compared">
        <thead>
          <tr>
            <th>Section</th>
            <th>Status</th>
            <th>Left ver</th>
            <th>Right ver</th>
            <th>Differences</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr key={s.key} aria-selected={selected === s.key} className={`cmp-${s.status}${selected === s.key ? ' selected' : ''}`} onClick={() => select({ key: s.key, path: null })}>
              <td>
                <button type="button" className="link" onClick={(e) => (e.stopPropagation(), select({ key: s.key, path: null }))}>
                  {s.key}
                </button>
              </td>
              <td>
                <span className={`badge st-${s.status}`}>{STATUS_TEXT[s.status]}</span>
              </td>
              <td>{s.left?.versionId ?? ''}</td>
              <td>{s.right?.versionId ?? ''}</td>
              <td>{changes(s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
