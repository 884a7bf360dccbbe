import type { SyntheticEvent } from 'react';
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
 * A record opened near the foot of the container panel (which scrolls, 30% of the height) showed
 * nothing of what it opened: at 1280 x 800 an xl image's HVM context opened wholly below the
 * panel's fold. Opened, it is scrolled to the panel's top, its summary (which keeps the focus)
 * first. The panel alone scrolls: scrollIntoView would move the page's overflow-hidden panes too.
 */
export function revealOpened(e: SyntheticEvent<HTMLDetailsElement>) {
  const details = e.currentTarget;
  const panel = details.closest('.container-panel');
  if (!details.open || !panel) return;
  panel.scrollTop += details.getBoundingClientRect().top - panel.getBoundingClientRect().top;
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
        <details key={r.offset} onToggle={revealOpened}>
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
