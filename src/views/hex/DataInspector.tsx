import { offsetText, offsetTitle, useContainer } from '../common/offset-label.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { asciiOf, readings } from './inspect-bytes.ts';
import { useByteCacheVersion } from './useByteCacheVersion.ts';

const ASCII_MAX = 64;

/** The bytes at the selection start read as every integer and float width, both byte orders. */
export function DataInspector() {
  const cache = useExplorer((s) => s.bytes);
  const range = useExplorer((s) => s.range);
  const container = useContainer();
  // Under a comparison the inspector shares a short column and scrolls (compare/compare.css): a
  // scrolling region must be reachable by keyboard to be read (axe: scrollable-region-focusable).
  const scrolls = useExplorer((s) => s.compare !== null);
  useByteCacheVersion(cache);
  const head = cache && range ? cache.read(range.from, 8) : undefined;
  const selected = cache && range ? cache.read(range.from, Math.min(ASCII_MAX, range.to - range.from)) : undefined;
  const more = range && range.to - range.from > ASCII_MAX ? '…' : '';
  return (
    <section className="pane inspector" aria-label="Data inspector" tabIndex={scrolls ? 0 : undefined}>
      <h2>Inspector {range ? <span className="muted mono" title={container ? offsetTitle(container, range.from) : undefined}>at {offsetText(container, range.from)}</span> : null}</h2>
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
              <td className="mono">{r.be ?? '—'}</td>
              <td className="mono">{r.le ?? '—'}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">ASCII</th>
            <td className="mono" colSpan={2}>
              {selected ? `${asciiOf(selected)}${more}` : '—'}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
