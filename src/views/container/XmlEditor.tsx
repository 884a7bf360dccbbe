import { useState, type KeyboardEvent } from 'react';
import { useFocusBack } from '../common/useFocusBack.ts';

/** The domain XML as text (never markup), with Copy and an in-place edit within the reserved room. */
export function XmlEditor({ xml, room, onSave }: { xml: string; room: number; onSave(xml: string): Promise<boolean> }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [copied, setCopied] = useState('');
  const used = draft === null ? 0 : new TextEncoder().encode(draft).length;
  // As the other editors: the text area takes the focus when it opens, Escape cancels, and closing
  // gives the focus back to "Edit XML" (the removed text area would leave it on the page's start).
  const back = useFocusBack<HTMLButtonElement>(draft === null);
  const close = () => back.close(() => setDraft(null));
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    close();
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(xml);
      setCopied('Copied');
    } catch (e) {
      setCopied(`Could not copy: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <details className="xml-block" open>
      <summary>Domain XML ({xml.length} characters)</summary>
      {draft === null ? (
        <>
          {/* Focusable: it scrolls (20em), and a keyboard user scrolls it with the arrows. */}
          <pre className="xml-text" aria-label="Domain XML" tabIndex={0}>{xml}</pre>
          <button type="button" onClick={() => void copy()}>Copy XML</button>{' '}
          <button type="button" ref={back.ref} onClick={() => setDraft(xml)}>Edit XML</button> <span className="muted">{copied}</span>
        </>
      ) : (
        <div onKeyDown={onKeyDown}>
          <textarea className="xml-text" aria-label="Edit domain XML" value={draft} onChange={(e) => setDraft(e.target.value)} rows={16} spellCheck={false} autoFocus />
          <div className={used > room ? 'refusal' : 'muted'}>
            {used} of {room} bytes of room (libvirt's data_len, less the cookie): the stream after it cannot move.
          </div>
          <button type="button" onClick={() => void onSave(draft).then((ok) => ok && close())}>Apply XML</button>{' '}
          <button type="button" onClick={close}>Cancel</button>
        </div>
      )}
    </details>
  );
}
