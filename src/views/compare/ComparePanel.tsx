import { useState } from 'react';
import { formatProblem } from '../../format/errors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { RefusableButton } from '../common/Refusable.tsx';
import { ContainerDiffList } from './ContainerDiffList.tsx';
import { FieldDiffList } from './FieldDiffList.tsx';
import { IgnoreListEditor } from './IgnoreListEditor.tsx';
import { RamDiffList } from './RamDiffList.tsx';
import { SectionDiffTable } from './SectionDiffTable.tsx';
import { SideBySideHex } from './SideBySideHex.tsx';
import { compareSummary, visibleSections } from './compare-rows.ts';

const STAGE: Record<string, string> = {
  starting: 'reading the right file',
  'devices-first': 'devices from the end of both files; scanning the right file',
  scanned: 'devices compared; comparing RAM page by page',
  done: '',
};

function percent(p: { done: number; total: number } | null): string {
  return p && p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
}

/** The comparison of the open file (left) with a second file (right), above the explorer. */
export function ComparePanel() {
  const c = useExplorer((s) => s.compare);
  const generation = useExplorer((s) => s.file?.generation);
  const selection = useExplorer((s) => s.compareSelection);
  const cancel = useExplorer((s) => s.cancelCompare);
  const close = useExplorer((s) => s.closeCompare);
  const refresh = useExplorer((s) => s.refreshCompare);
  const exportJson = useExplorer((s) => s.exportComparison);
  const [onlyChanged, setOnlyChanged] = useState(true);
  if (!c) return null;
  const result = c.reply?.result;
  const sections = result ? visibleSections(result.sections, onlyChanged) : [];
  const section = selection && result?.sections.find((s) => s.key === selection.key);
  const stale = c.reply && generation !== undefined && c.reply.leftGeneration !== generation;
  const counts = result?.counts;
  // A right file that is not a stream, or is damaged, compares as what decoded of it: an empty
  // or random file showed "53 only left" as if it were a valid empty stream. Its first error
  // says why, as the CLI's `diff` prints it (and exits 2).
  const rightErrors = c.reply?.right.model.problems.filter((p) => p.severity === 'error') ?? [];
  return (
    <section className="pane compare" aria-label="Comparison">
      <div className="pane-head compare-head">
        <strong>
          {result?.left.name ?? 'open file'} ↔ {c.name}
        </strong>
        {counts && (
          <span className="compare-summary" role="status">
            {compareSummary(result!)}
          </span>
        )}
        {c.id !== null && (
          <>
            <span className="muted">{STAGE[c.stage]}{c.progress ? ` (${c.progress.phase}${percent(c.progress)})` : ''}</span>
            <button type="button" onClick={cancel}>Cancel</button>
          </>
        )}
        {c.error && <span className="error-text" role="alert">{c.error}</span>}
        <label className="fe-toggle">
          <input type="checkbox" checked={onlyChanged} onChange={(e) => setOnlyChanged(e.target.checked)} /> Only changed
        </label>
        {stale && <button type="button" onClick={() => void refresh()}>Compare again (the open file changed)</button>}
        <RefusableButton by={{ reason: result ? null : 'The comparison is not finished yet' }} onPress={exportJson}>Export JSON</RefusableButton>
        <button type="button" onClick={close}>Close comparison</button>
      </div>
      {rightErrors.length > 0 && (
        <p className="compare-right-error error-text" role="alert">
          {c.name}: {formatProblem(rightErrors[0])}
          {rightErrors.length > 1 ? ` (+${rightErrors.length - 1} more)` : ''}; the comparison covers what decoded before it.
        </p>
      )}
      <div className="compare-body">
        <div className="compare-col">
          {result ? <SectionDiffTable sections={sections} /> : <p className="hint muted">Comparing…</p>}
          {result && sections.length === 0 && <p className="hint muted">No section differs{result.sections.some((s) => s.ignored) ? ' (some differences are ignored)' : ''}.</p>}
          {result?.container && <ContainerDiffList diffs={result.container} />}
          <IgnoreListEditor />
          {result?.ram && <RamDiffList ram={result.ram} stale={c.reply?.ramStale} />}
        </div>
        <div className="compare-col">
          {section ? (
            <>
              <FieldDiffList key={section.key} section={section} />
              <SideBySideHex section={section} path={selection!.path} />
            </>
          ) : (
            <p className="hint muted">Select a section to see its fields side by side.</p>
          )}
        </div>
      </div>
    </section>
  );
}
