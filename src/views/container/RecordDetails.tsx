import type { ContainerRecord } from '../../format/container/types.ts';
import type { FieldNode } from '../../format/model.ts';
import { ContainerField } from './ContainerField.tsx';

type OnSet = (path: string, value: string) => Promise<boolean>;

function FieldList({ nodes, onSet, pending }: { nodes: FieldNode[]; onSet: OnSet; pending: boolean }) {
  return (
    <ul className="container-field-list">
      {nodes.map((n) => (
        <li key={n.path}>
          <span className="mono">{n.name}</span>
          {n.children ? <FieldList nodes={n.children} onSet={onSet} pending={pending} /> : <ContainerField node={n} onSet={onSet} pending={pending} />}
        </li>
      ))}
    </ul>
  );
}

/**
 * A container's own records that carry text (e.g. the xl domain configuration) or decoded fields
 * (e.g. the HVM context: vCPU registers, APICs, RTC, which on Xen live in the hypervisor): shown
 * as text, never as markup, with Copy for the text; decoded fields are editable (ContainerField).
 */
export function RecordDetails({ records, onSet, pending }: { records: ContainerRecord[]; onSet: OnSet; pending: boolean }) {
  const shown = records.filter((r) => (r.text && r.kind === 'config') || r.fields?.length && r.kind === 'record');
  return (
    <>
      {shown.map((r) => (
        <details key={r.offset}>
          <summary>{r.title}</summary>
          {r.text !== undefined && (
            <>
              <button type="button" onClick={() => void navigator.clipboard?.writeText(r.text!)}>Copy</button>
              <pre className="xml-text">{r.text}</pre>
            </>
          )}
          {r.fields && <FieldList nodes={r.fields} onSet={onSet} pending={pending} />}
        </details>
      ))}
    </>
  );
}
