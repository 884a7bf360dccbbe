import { offsetTitle, useContainer } from '../common/offset-label.ts';
import type { StreamRecord } from '../../format/model.ts';
import { recordTitle } from '../../format/model.ts';
import { isChanged } from '../../store/edit-marks.ts';
import { hex } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { HeaderEditor } from '../edits/HeaderEditor.tsx';
import { CandidatePicker } from './CandidatePicker.tsx';
import { recordType } from './section-columns.ts';

const ABOUT: Partial<Record<StreamRecord['kind'], string>> = {
  header: 'File header: the magic "QEVM" and the stream version (3).',
  configuration: 'CONFIGURATION record: the machine type the stream was made for.',
  eof: 'EOF record: ends the section list.',
  vmdesc: 'VMDESCRIPTION: the JSON description QEMU appends after EOF; QEMU never reads it back.',
  trailing: 'Bytes after the end of the stream; QEMU ignores them.',
  damaged: 'Bytes that could not be decoded; see Problems.',
};

/** A line or two about the selected record above its fields. */
export function RecordSummary({ record: r }: { record: StreamRecord }) {
  const changed = useExplorer((s) => s.edits.changed);
  const container = useContainer();
  const hasHeader = r.kind === 'section' && (r.sectionType === 'full' || r.sectionType === 'start');
  const headerEdited = hasHeader && isChanged(changed, r.offset, r.dataOffset ?? r.offset + 1);
  const dataEdited = isChanged(changed, r.dataOffset ?? r.offset, r.offset + r.size);
  const facts = [
    recordType(r),
    r.sectionId !== undefined ? `section ${r.sectionId}` : null,
    r.versionId !== undefined ? `version ${r.versionId}` : null,
    `${r.size.toLocaleString('en-US')} bytes at ${container ? offsetTitle(container, r.offset) : hex(r.offset)}`,
    r.vmsdName && r.vmsdName !== r.idstr ? `vmsd ${r.vmsdName}` : null,
    r.decodedBy ? `decoded by ${r.decodedBy}${r.describedBy ? ` (${r.describedBy})` : ''}` : null,
    r.heuristic ? 'end found by heuristic' : null,
    headerEdited ? 'header edited' : null,
    dataEdited ? 'fields edited' : null,
  ].filter(Boolean);
  return (
    <div className="record-summary">
      <div className="summary-head">
        <h3>{recordTitle(r)}</h3>
        {hasHeader && <HeaderEditor key={`${r.index}:${r.offset}`} record={r} />}
      </div>
      <p className="muted">{facts.join(' · ')}</p>
      {r.decodedBy === 'bundled' && <CandidatePicker key={`${r.index}:${r.offset}`} record={r} />}
      {ABOUT[r.kind] && <p className="muted">{ABOUT[r.kind]}</p>}
    </div>
  );
}
