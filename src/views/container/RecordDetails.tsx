import type { ContainerRecord } from '../../format/container/types.ts';
import type { FieldNode } from '../../format/model.ts';

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** Integers as hex and decimal (those above 2^53 arrive as decimal strings), buffers as hex bytes. */
function valueText(n: FieldNode): string {
  if (typeof n.value === 'number') return `${hex(n.value)} (${n.value})`;
  if (typeof n.value === 'string' && /uint|int/.test(n.type) && /^\d+$/.test(n.value)) return `${hex(BigInt(n.value))} (${n.value})`;
  return String(n.value ?? `${n.size} bytes at ${hex(n.offset)}`);
}

function FieldList({ nodes }: { nodes: FieldNode[] }) {
  return (
    <ul className="container-field-list">
      {nodes.map((n) => (
        <li key={n.path}>
          <span className="mono">{n.name}</span>
          {n.children ? <FieldList nodes={n.children} /> : <span className="mono"> = {valueText(n)}</span>}
        </li>
      ))}
    </ul>
  );
}

/**
 * A container's own records that carry text (e.g. the xl domain configuration) or decoded fields
 * (e.g. the HVM context: vCPU registers, APICs, RTC, which on Xen live in the hypervisor): shown
 * as text, never as markup, with Copy for the text.
 */
export function RecordDetails({ records }: { records: ContainerRecord[] }) {
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
          {r.fields && <FieldList nodes={r.fields} />}
        </details>
      ))}
    </>
  );
}
