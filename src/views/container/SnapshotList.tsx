import type { Qcow2Info } from '../../format/container/qcow2.ts';

/** A qcow2 image's snapshots as `qemu-img snapshot -l` lists them; the one whose VM state is open is marked. */
export function SnapshotList({ info }: { info: Qcow2Info }) {
  return (
    <table className="container-records" aria-label="Snapshots">
      <caption>Snapshots (the newest with a VM state is open; the CLI opens any: inspect IMAGE@NAME)</caption>
      <thead>
        <tr><th>id</th><th>name</th><th>date</th><th>VM clock (s)</th><th>disk size</th><th>VM state size</th><th /></tr>
      </thead>
      <tbody>
        {info.snapshots.map((s) => (
          <tr key={s.index} aria-current={s.index === info.chosen ? 'true' : undefined}>
            <td className="mono">{s.id}</td>
            <td>{s.name}</td>
            <td>{new Date(s.dateSec * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td>
            <td className="mono">{(s.vmClockNsec / 1e9).toFixed(3)}</td>
            <td className="mono">{s.diskSize}</td>
            <td className="mono">{s.vmStateSize}</td>
            <td>{s.vmStateSize === 0 ? 'disk only' : s.index === info.chosen ? 'open' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
