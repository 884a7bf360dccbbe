import { useRef } from 'react';
import { formatProblem } from '../../format/errors.ts';
import type { ContainerInfo } from '../../format/container/types.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { EditFeedback } from '../edits/EditFeedback.tsx';
import { useEditAction } from '../edits/useEditAction.ts';
import { RecordDetails, revealOpened } from './RecordDetails.tsx';
import { SnapshotList } from './SnapshotList.tsx';
import { XmlEditor } from './XmlEditor.tsx';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Where the offsets of the panes below lie in the file: both coordinates, labelled. */
function coordinates(c: ContainerInfo): string {
  if (c.inner.codec === 'mapped' && c.qcow2?.opening !== undefined) return 'Offsets in the section table, fields and hex view will be VM-state offsets, with the image file offset beside them; the snapshot\'s clusters are being mapped.';
  if (c.inner.codec === 'mapped') return `Offsets in the section table, fields and hex view are VM-state offsets; the status line, the hex view's hover line, the inspector, the field offsets' tooltips and the problems give the image file offset beside them (the VM state lies in the ${c.qcow2?.extents.length ?? 0} extent(s) listed above).`;
  if (c.inner.codec === 'raw') return `Offsets in the section table, fields and hex view are stream offsets: file offset = stream offset + ${hex(c.inner.offset)}.`;
  return `Offsets in the section table, fields and hex view are in the decompressed stream (${c.streamSize ?? '?'} bytes); the file holds it ${c.inner.codec}-compressed at file offset ${hex(c.inner.offset)} (${c.inner.size} bytes).`;
}

/** The container around the stream (libvirt save image, xl save image): its records, header fields and texts. */
export function ContainerPanel() {
  const c = useExplorer((s) => s.container);
  const edited = useExplorer((s) => s.containerEdited);
  const edit = useExplorer((s) => s.editContainer);
  const how = useExplorer((s) => s.containerDownload);
  const setHow = useExplorer((s) => s.setContainerDownload);
  const act = useEditAction();
  const last = useRef<[string, string] | null>(null);
  // Container fields are ordinary edits: undo, the edit list, the kept edits and patches carry them.
  const change = (path: string, value: string, force = false) => {
    last.current = [path, value];
    return act.run(() => edit(path, value, force));
  };
  if (!c) return null;
  const header = c.records.find((r) => r.kind === 'container-header');
  const running = header?.fields?.find((f) => f.name === 'was_running')?.value;
  const cookie = c.libvirt?.cookie;
  return (
    <section className="container-panel" aria-label={c.title}>
      <h2>
        {c.title}
        {edited && <span className="badge"> edited</span>}
      </h2>
      <table className="container-records">
        <thead>
          <tr><th>record</th><th>file offset</th><th>size</th><th>status</th></tr>
        </thead>
        <tbody>
          {c.records.map((r) => (
            <tr key={`${r.kind}-${r.offset}`} className={r.problems.some((p) => p.severity === 'error') ? 'bad' : ''}>
              <td>{r.title}</td>
              <td className="mono">{hex(r.offset)}</td>
              <td className="mono">{r.size}</td>
              <td>{r.problems[0] ? r.problems[0].message : 'ok'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{coordinates(c)}</p>
      {c.problems.length > 0 && (
        <ul className="container-problems">
          {c.problems.map((p, i) => <li key={i}>{formatProblem(p)}</li>)}
        </ul>
      )}
      {header?.fields && (
        <dl className="container-fields">
          {header.fields.filter((f) => f.kind === 'leaf').map((f) => (
            <div key={f.path}>
              <dt>{f.name}</dt>
              <dd className="mono">
                {f.name === 'was_running' && typeof running === 'boolean' ? (
                  <label>
                    {/* The visible name sits in the <dt>, outside the label: screen readers would announce only "false (…)". */}
                    <span className="sr-only">was_running: </span>
                    <input type="checkbox" checked={running} disabled={act.pending} onChange={(e) => void change('libvirt/was_running', String(e.target.checked))} /> {String(running)} (restore {running ? 'starts the guest running' : 'leaves it paused'}){act.pending && ' · applying…'}
                  </label>
                ) : (
                  String(f.value)
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <RecordDetails records={c.records} onSet={change} pending={act.pending} />
      {c.qcow2 && <SnapshotList info={c.qcow2} />}
      {c.libvirt && <XmlEditor xml={c.libvirt.xml} room={c.libvirt.header.dataLen - c.libvirt.cookieLen - 1} onSave={(xml) => change('libvirt/xml', xml)} />}
      {cookie && (
        <details onToggle={revealOpened}>
          <summary>Cookie XML ({cookie.length} characters)</summary>
          <pre className="xml-text">{cookie}</pre>
        </details>
      )}
      {edited && <p className="muted">The container's own fields are edited: the edit list shows each change, with Revert; Undo takes back the last.</p>}
      {c.kind === 'libvirt' && c.inner.codec !== 'raw' && (
        <label className="container-download">
          Download this {c.inner.codec} image{' '}
          <select value={how} onChange={(e) => setHow(e.target.value as 'keep' | 'raw')}>
            <option value="keep">{c.inner.codec === 'gzip' ? 'compressed with gzip again' : `as raw (the browser has no ${c.inner.codec} compressor)`}</option>
            <option value="raw">as a raw image (compressed = 0)</option>
          </select>
        </label>
      )}
      <EditFeedback outcome={act.outcome} pending={act.pending} onForce={() => last.current && void change(last.current[0], last.current[1], true)} />
    </section>
  );
}
