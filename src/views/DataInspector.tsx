import { useExplorer } from '../store/useExplorer.ts';
import { asciiOf, readings } from './inspect-bytes.ts';
import { useByteCacheVersion } from './useByteCacheVersion.ts';

const ASCII_MAX = 64;

/** The bytes at the selection start read as every integer and float width, both byte orders. */
export function DataInspector() {
  const cache = useExplorer((s) => s.bytes);
  const range = useExplorer((s) => s.range);
  useByteCacheVersion(cache);
  if (!cache || !range) {
    return (
      <section className="pane inspector" aria-label="Data inspector">
        <h2>Inspector</h2>
        <p className="muted">Select bytes to read them as numbers.</p>
      </section>
    );
  }
  const head = cache.read(range.from, 8);
  const selected = cache.read(range.from, Math.min(ASCII_MAX, range.to - range.from));
  return (
    <section className="pane inspector" aria-label="Data inspector">
      <h2>Inspector</h2>
      {head ? (
        <table className="grid inspect">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Big-endian</th>
              <th scope="col">Little-endian</th>
            </tr>
          </thead>
          <tbody>
            {readings(head).map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td className="mono">{r.be}</td>
                <td className="mono">{r.le ?? '—'}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">ASCII</th>
              <td className="mono" colSpan={2}>
                {selected ? asciiOf(selected) : '…'}
                {range.to - range.from > ASCII_MAX ? '…' : ''}
              </td>
            </tr>
          </tbody>
        </table>
      ) : (
        <p className="muted">Loading bytes…</p>
      )}
    </section>
  );
}
