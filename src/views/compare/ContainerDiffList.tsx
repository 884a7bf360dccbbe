import { useState } from 'react';
import { hunkLines, type ContainerDiffPath, type ContainerFieldDiff } from '../../format/diff/container-diff.ts';

/** Lines of a text's changes shown at once; the rest is counted, and "Copy" takes them all. */
const SHOWN = 40;

/** What each difference changes when libvirt restores the image (qemu_saveimage.c). */
const NAMES: Record<ContainerDiffPath, { name: string; why: string }> = {
  'libvirt/was_running': { name: 'was_running', why: 'virsh restore resumes the guest (true) or leaves it paused (false)' },
  'libvirt/compressed': { name: 'compression format', why: 'how the stream is stored; restore decompresses it' },
  'libvirt/xml': { name: 'domain XML', why: 'the guest libvirt defines on restore' },
  'libvirt/cookie': { name: 'cookie XML', why: 'what libvirt checks against the host on restore' },
};

function TextChanges({ diff }: { diff: ContainerFieldDiff }) {
  const [copied, setCopied] = useState('');
  const { name } = NAMES[diff.path];
  const shown = hunkLines(diff, SHOWN);
  const copy = () => {
    // The clipboard may be refused (permissions, insecure origin): say so, the text stays selectable.
    const text = hunkLines(diff, Infinity).lines.join('\n') + '\n';
    navigator.clipboard?.writeText(text).then(() => setCopied('Copied'), (e: unknown) => setCopied(`Not copied: ${e instanceof Error ? e.message : String(e)}`)) ??
      setCopied('Not copied: this browser offers no clipboard here; select the text instead');
  };
  return (
    <>
      {/* Text from the file: rendered by React's escaping, never as markup. Focusable: it scrolls. */}
      <pre className="xml-text container-diff-text" aria-label={`${name} changes`} tabIndex={0}>{shown.lines.join('\n')}</pre>
      {shown.more > 0 && <div className="muted">{shown.more.toLocaleString('en-US')} more line{shown.more === 1 ? '' : 's'}</div>}
      <button type="button" onClick={copy}>Copy {name} changes</button> <span className="muted" aria-live="polite">{copied}</span>
    </>
  );
}

/** Two libvirt images' own differences (was_running, compression, domain and cookie XML), as `diff` prints them. */
export function ContainerDiffList({ diffs }: { diffs: readonly ContainerFieldDiff[] }) {
  return (
    <section className="container-diff" aria-label="libvirt image compared">
      <h3 className="pane-title">libvirt image: {diffs.length ? `${diffs.length} difference${diffs.length === 1 ? '' : 's'}` : 'was_running, compression and XML the same'}</h3>
      <ul className="container-diff-list">
        {diffs.map((d) => (
          <li key={d.path}>
            <strong>{NAMES[d.path].name}</strong>{' '}
            {d.hunks ? `changed: ${d.lines} line${d.lines === 1 ? ' differs' : 's differ'}` : <span className="mono">{d.left} → {d.right}</span>}{' '}
            <span className="muted">({NAMES[d.path].why})</span>
            {d.hunks && <TextChanges diff={d} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
