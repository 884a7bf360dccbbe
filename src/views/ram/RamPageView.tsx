import { useState, type FormEvent } from 'react';
import { spacedHex } from '../../format/field-types/bytes.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import type { RamPageInfo } from '../../worker/protocol.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Where a page's last write is: its file (the main channel or a multifd channel file) and offsets. */
function whereText(p: RamPageInfo): string {
  if (!p.source) return 'never sent (the destination keeps it as it was)';
  const at = p.offset !== null ? ` at ${hex(p.offset)}` : '';
  const rec = p.record !== null ? ` (${p.packetNum !== undefined ? `packet ${hex(p.record)}, packet_num ${p.packetNum}` : `record ${hex(p.record)}`})` : '';
  return `${p.kind} page, last written in ${p.source}${at}${rec}`;
}

/**
 * The page viewer: a page of a RAM block by number or guest offset, with the file and offset its
 * last write is in and its bytes. Read-only: page bytes are not edited from here.
 */
export function RamPageView({ block, pages, pageSize }: { block: string; pages: number; pageSize: number }) {
  const ramPage = useExplorer((s) => s.ramPage);
  const [text, setText] = useState('');
  const [page, setPage] = useState<RamPageInfo | null>(null);
  const [error, setError] = useState('');
  const show = async (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    // "0x…" is a guest offset inside the block, a plain number a page number.
    const n = /^0x[0-9a-f]+$/i.test(t) ? Math.floor(Number.parseInt(t.slice(2), 16) / pageSize) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(n)) {
      setError(`"${t}" is neither a page number nor a 0x offset`);
      return;
    }
    try {
      setPage(await ramPage(block, n));
      setError('');
    } catch (err) {
      setPage(null);
      setError((err as Error).message);
    }
  };
  return (
    <div className="ram-page-view">
      <form onSubmit={show}>
        <label>
          Page of {block} <input value={text} onChange={(e) => setText(e.target.value)} placeholder={`0–${pages - 1} or 0x offset`} aria-label={`Page of ${block}`} size={14} />
        </label>{' '}
        <button type="submit">Show page</button>
      </form>
      {error && <p className="refusal" role="alert">{error}</p>}
      {page && (
        <div role="region" aria-label={`Page ${page.page} of ${page.block}`}>
          <p>
            Page {page.page} (guest offset {hex(page.guestOffset)} in {page.block}): {whereText(page)}.
          </p>
          {/* Scrolls: focusable so the keyboard can scroll it too. */}
          {page.bytes && <pre className="mono ram-page-bytes" tabIndex={0} aria-label={`Bytes of page ${page.page}`}>{spacedHex(page.bytes)}</pre>}
          {page.readOnly && <p className="muted">Read-only: {page.readOnly}.</p>}
        </div>
      )}
    </div>
  );
}
