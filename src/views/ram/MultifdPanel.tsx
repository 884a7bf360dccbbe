import { useEffect, useState } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import type { Replies } from '../../worker/protocol.ts';
import { RefusableButton } from '../common/Refusable.tsx';

const hex = (n: number) => `0x${n.toString(16)}`;
const ROWS = 100;

/**
 * One channel file's own records (its init record and packets), read from the worker a hundred
 * at a time: a channel of a large migration has tens of thousands of packets.
 */
function ChannelRecords({ channel }: { channel: number }) {
  const records = useExplorer((s) => s.multifdRecords);
  const [page, setPage] = useState<Replies['multifd-records'] | null>(null);
  const [start, setStart] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    records(channel, start, ROWS).then((r) => live && setPage(r), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [records, channel, start]);
  if (error) return <p className="refusal">{error}</p>;
  if (!page) return <p className="muted">Reading…</p>;
  return (
    <div className="multifd-records">
      <table aria-label={`Records of ${page.name}`}>
        <thead>
          <tr><th>offset</th><th>record</th><th>packet_num</th><th>flags</th><th>RAM block</th><th>normal</th><th>zero</th></tr>
        </thead>
        <tbody>
          {page.rows.map((r) => (
            <tr key={r.index} title={r.problems.join('; ') || undefined}>
              <td className="mono">{hex(r.offset)}</td>
              <td>{r.kind}{r.channelId !== undefined ? ` (channel ${r.channelId})` : ''}</td>
              <td>{r.packetNum ?? ''}</td>
              <td>{r.flags === undefined ? '' : hex(r.flags)}{r.flags !== undefined && r.flags & 1 ? ' SYNC' : ''}</td>
              <td>{r.block ?? ''}</td>
              <td>{r.normal ?? ''}</td>
              <td>{r.zero ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Records {start + 1}–{start + page.rows.length} of {page.total}.{' '}
        <RefusableButton by={{ reason: start === 0 ? `These are the first records of ${page.name}` : null }} onPress={() => setStart(Math.max(0, start - ROWS))}>Previous</RefusableButton>{' '}
        <RefusableButton by={{ reason: start + ROWS >= page.total ? `These are the last records of ${page.name}` : null }} onPress={() => setStart(start + ROWS)}>Next</RefusableButton>
      </p>
    </div>
  );
}

/** The multifd channel files joined to the open main channel, the files refused, and each channel's records. */
export function MultifdPanel() {
  const info = useExplorer((s) => s.multifd);
  const main = useExplorer((s) => s.file?.name);
  const [shown, setShown] = useState<number | null>(null);
  if (!info) return null;
  return (
    <section className="container-panel multifd-panel" aria-label="Multifd channels">
      <h2>Multifd channels beside {main}</h2>
      <ul>
        {info.channels.map((c, i) => (
          <li key={c.name}>
            <strong>{c.name}</strong>: channel {c.channelId}, {c.packets} packets, {c.size.toLocaleString('en-US')} bytes
            {c.complete ? '' : ' (incomplete)'} <span className="muted mono" title="the source's UUID from the init record">uuid {c.uuid}</span>{' '}
            <button type="button" aria-expanded={shown === i} onClick={() => setShown(shown === i ? null : i)}>
              {shown === i ? 'Hide records' : 'Records'}
            </button>
            {c.problems.length > 0 && <p className="refusal">{c.problems.join('; ')}</p>}
            {shown === i && <ChannelRecords channel={i} />}
          </li>
        ))}
      </ul>
      {info.rewritten > 0 && <p className="muted">{info.rewritten} page write(s) were overwritten by a later packet; the RAM view shows the last.</p>}
      {info.notes.map((n) => <p key={n} className="muted">{n}</p>)}
      {info.refused.length > 0 && (
        <>
          <h3>Not added</h3>
          <ul aria-label="Files not added">
            {info.refused.map((r) => (
              <li key={r.name} className="refusal"><strong>{r.name}</strong>: {r.reason}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
