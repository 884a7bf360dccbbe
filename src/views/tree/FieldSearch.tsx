import { useDeferredValue, useMemo, useState } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import { fieldLabel } from '../../store/selectors.ts';
import { verdict } from '../../store/action-guard.ts';
import { searchFields } from './field-search.ts';

/** Finds fields by path or value in every section; picking a hit selects it. */
export function FieldSearch() {
  const model = useExplorer((s) => s.model);
  const selectField = useExplorer((s) => s.selectField);
  // While the file opens the search runs on what is shown and again when the rest arrives.
  const later = useExplorer((s) => {
    const v = verdict(s, 'search');
    return v.do === 'later' ? v.note : null;
  });
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query);
  const result = useMemo(() => searchFields(model?.records ?? [], deferred), [model, deferred]);

  return (
    <div className="field-search">
      <input type="search" placeholder="Search fields by path or value, e.g. regs or 0xfff0" aria-label="Search fields" value={query} onChange={(e) => setQuery(e.target.value)} />
      {query.trim() && (
        <div className="search-results" role="list" aria-label="Search results">
          {later && <p className="muted" role="note">{later}</p>}
          {result.hits.length === 0 && !later && <p className="muted">No field matches.</p>}
          {result.hits.map((h) => (
            <div role="listitem" key={h.node.path}>
              <button type="button" className="hit" onClick={() => selectField(h.node.path)}>
                <span className="hit-path">{fieldLabel(h.record, h.node.path)}</span>
                {h.value && <span className="hit-value">{h.value}</span>}
              </button>
            </div>
          ))}
          {result.more && <p className="muted">More matches; refine the search.</p>}
        </div>
      )}
    </div>
  );
}
