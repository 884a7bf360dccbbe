import { useState } from 'react';
import type { CompatReport } from '../../worker/protocol.ts';
import { sectionLabel } from '../../format/model.ts';
import { hex } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { RefusableButton } from '../common/Refusable.tsx';

const VERDICT_CLASS: Record<CompatReport['verdict'], string> = { loads: 'ok', 'loads with warnings': 'warn', fails: 'bad' };

/** A check's verdict, QEMU's message (copyable) and every finding, each section a link into the explorer. */
export function CompatReportView({ report, generation, onGo }: { report: CompatReport; generation: number; onGo(): void }) {
  const model = useExplorer((s) => s.model);
  const current = useExplorer((s) => s.file?.generation);
  const selectRecord = useExplorer((s) => s.selectRecord);
  const [copied, setCopied] = useState('');
  const stale = current !== undefined && current !== generation;
  // A device is found by its name (its FULL or START section); the configuration and a COMMAND,
  // which have none, by the offset the check read them at, while the file is still the one checked.
  const recordOf = (label?: string, offset?: number) =>
    label
      ? model?.records.find((r) => r.kind === 'section' && (r.sectionType === 'full' || r.sectionType === 'start') && sectionLabel(r.idstr ?? '', r.instanceId ?? 0) === label) ??
        (stale ? undefined : model?.records.find((r) => r.kind === label && r.offset === offset))
      : undefined;
  /** Why a finding's link cannot show its record, or null. */
  const unreachable = (label: string, offset?: number) =>
    recordOf(label, offset) ? null : `${label} is not in the open file now${stale ? ': it changed since this check; check again' : ''}`;
  const copy = (text: string) => {
    // The clipboard may be refused (permissions, insecure origin): say so, the text stays selectable.
    navigator.clipboard?.writeText(text).then(() => setCopied('Copied'), (e: unknown) => setCopied(`Not copied: ${e instanceof Error ? e.message : String(e)}`)) ??
      setCopied('Not copied: this browser offers no clipboard here; select the text instead');
  };
  const go = (label?: string, offset?: number) => {
    const r = recordOf(label, offset);
    if (!r) return;
    selectRecord(r.index);
    onGo();
  };
  const first = report.first;

  return (
    <section className="compat-report" aria-label="Compatibility report">
      <p className={`compat-verdict ${VERDICT_CLASS[report.verdict]}`} data-verdict={report.verdict}>
        <strong>{report.verdict === 'fails' ? 'Fails' : report.verdict === 'loads' ? 'Loads' : 'Loads with warnings'}</strong> into {report.target} ({report.machine})
        {stale ? ' · checked before the latest edit: check again' : ''}
      </p>
      {first && (
        <div className="compat-first">
          {first.damage ? 'The load stops there: ' : 'QEMU would print: '}<code className="compat-message">{first.message}</code>
          {first.section && (
            <>
              {' '}for{' '}
              <RefusableButton className="link" by={{ reason: unreachable(first.section, first.offset) }} onPress={() => go(first.section, first.offset)}>
                {first.section}
              </RefusableButton>
            </>
          )}
          <button type="button" onClick={() => copy(first.message)}>Copy message</button>
          {copied && <span role="status" className="muted"> {copied}</span>}
        </div>
      )}
      <table className="compat-findings">
        <thead>
          <tr><th>Severity</th><th>Section</th><th>Offset</th><th>Message</th></tr>
        </thead>
        <tbody>
          {report.findings.map((f, i) => (
            <tr key={i} className={f.severity}>
              <td>{f.severity}</td>
              <td>
                {f.section ? (
                  <RefusableButton className="link" by={{ reason: unreachable(f.section, f.offset) }} onPress={() => go(f.section, f.offset)} title={`Show ${f.section} in the explorer`}>
                    {f.section}
                  </RefusableButton>
                ) : (
                  '-'
                )}
              </td>
              <td>{f.offset !== undefined ? hex(f.offset) : ''}</td>
              <td><code>{f.message}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
