import type { StreamRecord } from '../format/model.ts';
import { recordTitle } from '../format/model.ts';
import { hex } from '../store/selectors.ts';
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
  const facts = [
    recordType(r),
    r.sectionId !== undefined ? `section ${r.sectionId}` : null,
    r.versionId !== undefined ? `version ${r.versionId}` : null,
    `${r.size.toLocaleString('en-US')} bytes at ${hex(r.offset)}`,
    r.vmsdName && r.vmsdName !== r.idstr ? `vmsd ${r.vmsdName}` : null,
    r.decodedBy ? `decoded by ${r.decodedBy}` : null,
    r.heuristic ? 'end found by heuristic' : null,
  ].filter(Boolean);
  return (
    <div className="record-summary">
      <h3>{recordTitle(r)}</h3>
      <p className="muted">{facts.join(' · ')}</p>
      {ABOUT[r.kind] && <p className="muted">{ABOUT[r.kind]}</p>}
    </div>
  );
}
