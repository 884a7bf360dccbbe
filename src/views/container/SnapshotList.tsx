import { useEffect, useRef, useState } from 'react';
import type { Qcow2Info } from '../../format/container/qcow2.ts';
import { busyReason, openPhase } from '../../store/action-guard.ts';
import { snapshotLabel, unopenable } from '../../store/snapshot-choice.ts';
import { useExplorer } from '../../store/useExplorer.ts';

const MiB = 1024 * 1024;

/** The snapshot whose open a person asked for here: its list takes the focus once it shows. */
let focusAfterOpen: number | null = null;
const size = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n.toLocaleString('en-US')} bytes`);

/** QEMU's `qemu-img snapshot -l` VM CLOCK column: hh:mm:ss.mmm of guest time. */
function vmClock(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/**
 * A qcow2 image's snapshots as `qemu-img snapshot -l` lists them. Each row's button opens that
 * snapshot's VM state in the explorer (a button: Tab reaches it, Enter or Space presses it); the
 * open one is marked; a disk-only snapshot says why it cannot be opened, and pressing its button
 * says so again where the person looks. The list comes before the chosen snapshot's clusters are
 * mapped (the worker sends it first: format/container/qcow2.ts onList): that snapshot is marked "opening…" until the worker has them.
 */
export function SnapshotList({ info }: { info: Qcow2Info }) {
  const choose = useExplorer((s) => s.chooseSnapshot);
  const busy = useExplorer((s) => busyReason(s, 'snapshot'));
  const [refusal, setRefusal] = useState<string | null>(null);
  const table = useRef<HTMLTableElement>(null);
  const done = useExplorer((s) => openPhase(s) === 'done');
  const pick = async (index: number) => {
    focusAfterOpen = index;
    const why = await choose(index);
    if (why) focusAfterOpen = null;
    setRefusal(why);
  };
  // Opening a snapshot draws the page's panes afresh (views/app/App.tsx), this list with them:
  // the pressed button went away and the focus fell to the page's start. The new list takes it,
  // so Tab goes on to the next snapshot's button; once the open is done (the list shows before,
  // and is drawn again when the final model comes in).
  useEffect(() => {
    if (!done || focusAfterOpen === null || focusAfterOpen !== info.chosen) return;
    focusAfterOpen = null;
    table.current?.focus();
  }, [info.chosen, done]);
  return (
    <>
      <table ref={table} tabIndex={-1} className="container-records snapshots" aria-label="Snapshots">
        <caption>Snapshots: open the VM state of any one that has one</caption>
        <thead>
          <tr><th>id</th><th>name</th><th>date (UTC)</th><th>VM clock</th><th>disk size</th><th>VM state size</th><th>VM state</th></tr>
        </thead>
        <tbody>
          {info.snapshots.map((s) => {
            const open = s.index === info.chosen;
            const why = unopenable(s);
            return (
              <tr key={s.index} aria-current={open ? 'true' : undefined} className={open ? 'chosen' : why ? 'muted' : ''}>
                <td className="mono">{s.id}</td>
                <td>{s.name}</td>
                <td>{new Date(s.dateSec * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td>
                <td className="mono">{vmClock(s.vmClockNsec)}</td>
                <td className="mono" title={`${s.diskSize} bytes`}>{size(s.diskSize)}</td>
                <td className="mono" title={`${s.vmStateSize} bytes`}>{s.vmStateSize ? size(s.vmStateSize) : '0 (disk only)'}</td>
                <td>
                  {open ? (
                    <strong>open</strong>
                  ) : s.index === info.opening ? (
                    <em>opening…</em>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Open snapshot ${s.name}`}
                      aria-disabled={why || busy ? 'true' : undefined}
                      title={why ?? busy ?? `Open the VM state of snapshot ${snapshotLabel(s)} in the explorer`}
                      onClick={() => void pick(s.index)}
                    >
                      Open
                    </button>
                  )}
                  {why && <span className="muted"> disk only: no VM state</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {refusal && <p role="alert" className="refusal">Refused: {refusal}</p>}
    </>
  );
}
