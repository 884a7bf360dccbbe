import { selectedRecord } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { FieldSearch } from './FieldSearch.tsx';
import { FieldTree } from './FieldTree.tsx';
import { RamView } from '../ram/RamView.tsx';
import { RecordSummary } from '../sections/RecordSummary.tsx';

/** The middle pane: search, then the selected record's summary and fields (or RAM blocks). */
export function FieldsPane() {
  const rec = useExplorer(selectedRecord);
  return (
    <section className="pane fields" aria-label="Field pane">
      <div className="pane-head">
        <h2>Fields</h2>
      </div>
      <FieldSearch />
      <div className="fields-body">
        {rec ? (
          <>
            <RecordSummary record={rec} />
            {rec.ram ? <RamView record={rec} /> : <FieldTree />}
          </>
        ) : (
          <p className="muted hint">Select a section to see its fields, or click a byte in the hex view.</p>
        )}
      </div>
    </section>
  );
}
