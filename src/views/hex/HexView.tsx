import { offsetTitle, useContainer } from '../common/offset-label.ts';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { PAGE_SIZE } from '../../store/byte-cache.ts';
import { selectedRecord } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { describeByte, makeAnnotator } from './byte-annotator.ts';
import { HexEditBar, MAX_OVERWRITE } from './HexEditBar.tsx';
import { HexHead } from './HexHead.tsx';
import { HexRow } from './HexRow.tsx';
import { useByteCacheVersion } from './useByteCacheVersion.ts';
import { offsetOf, useByteHover } from './useByteHover.ts';
import { ROW_BYTES, useHexViewport } from './useHexViewport.ts';
import { VirtualScrollbar } from './VirtualScrollbar.tsx';
import { coordinates, fileOffsetText } from '../../store/host-offsets.ts';

const VIEWPORT_ID = 'hex-viewport';

/** The whole file as hex rows; only the visible rows exist, their bytes come in pages. */
export function HexView() {
  const model = useExplorer((s) => s.model);
  const cache = useExplorer((s) => s.bytes);
  const rec = useExplorer(selectedRecord);
  const range = useExplorer((s) => s.range);
  const caret = useExplorer((s) => s.caret);
  const reveal = useExplorer((s) => s.reveal);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const changed = useExplorer((s) => s.edits.changed);
  const allow = useExplorer((s) => s.allow);
  const where = useExplorer(coordinates);
  const [overwrite, setOverwrite] = useState<{ offset: number; text: string } | null>(null);
  const version = useByteCacheVersion(cache);

  const size = model?.fileSize ?? 0;
  const totalRows = Math.ceil(size / ROW_BYTES);
  const vp = useHexViewport(totalRows);
  const { top, fullRows, visibleRows } = vp;
  const digits = Math.max(8, Math.max(0, size - 1).toString(16).length);

  // A new reveal request (caret moved by keys, a click, Go to, the tree) scrolls the caret into
  // view in this same render. Done in an effect, it took a second commit per key press; with
  // keys arriving faster than those commits, React counted them as one endless cascade and
  // threw error #185 (maximum update depth) after 50 PageDowns.
  const [revealed, setRevealed] = useState(0);
  if (reveal && reveal.seq !== revealed) {
    setRevealed(reveal.seq);
    const row = Math.floor(reveal.offset / ROW_BYTES);
    if (row < top || row >= top + fullRows) vp.showNow(row - Math.min(2, Math.floor(fullRows / 4)));
  }

  // The view grows shorter under the overwrite bar and its feedback: the byte being edited, on
  // the last rows (always so after Ctrl+End), was pushed out of sight while it was edited. The
  // view follows it if it was in sight before; a byte scrolled away on purpose stays away.
  const [rowsSeen, setRowsSeen] = useState(fullRows);
  if (fullRows !== rowsSeen) {
    setRowsSeen(fullRows);
    const kept = overwrite?.offset ?? caret;
    const row = kept === null ? -1 : Math.floor(kept / ROW_BYTES);
    if (row >= top + fullRows && row < top + rowsSeen) vp.showNow(row - fullRows + 1);
  }

  // Bytes are asked for once the rows have stayed put for a frame, and only for the rows shown:
  // a fast scroll asks for nothing on the way.
  const { scrolling } = vp;
  useEffect(() => {
    if (!cache) return;
    const id = requestAnimationFrame(() => {
      if (!scrolling()) cache.want(top * ROW_BYTES, (top + visibleRows) * ROW_BYTES);
    });
    return () => cancelAnimationFrame(id);
  }, [cache, version, top, visibleRows, scrolling]);

  // Hover needs the field layout (leafAt, title) but not what hover itself tints: two annotators.
  const fields = useMemo(() => makeAnnotator(rec, null, null, -1), [rec]);
  const { hover, onMouseMove, onMouseLeave } = useByteHover(fields, top);
  const hoverLeaf = hover === null ? -1 : fields.leafAt(hover);
  const container = useContainer();
  const annotate = useMemo(() => makeAnnotator(rec, range, caret, hoverLeaf, changed, container ? (o) => offsetTitle(container, o) : undefined), [rec, range, caret, hoverLeaf, changed, container]);

  if (!model || !cache) return null;

  const first = top * ROW_BYTES;
  const end = Math.min(size, (top + visibleRows) * ROW_BYTES);
  const classes = annotate.classes(first, end);
  const rows = [];
  for (let r = top; r < Math.min(totalRows, top + visibleRows); r++) {
    const offset = r * ROW_BYTES;
    const count = Math.min(ROW_BYTES, size - offset);
    // Keys repeat every `visibleRows` rows: a row scrolled out hands its DOM to the row scrolled
    // in, so a scroll updates cells in place and never creates or removes them.
    rows.push(
      <HexRow key={r % visibleRows} offset={offset} page={cache.peek(offset)} at={offset % PAGE_SIZE} count={count} digits={digits} classes={classes.slice(offset - first, offset - first + count)} />,
    );
  }

  const moveCaret = (to: number, extend: boolean) => {
    const o = Math.min(size - 1, Math.max(0, to));
    selectOffset(o, { extend });
  };

  /** Opens the overwrite bar on the selection (Enter, double-click) or the caret (a typed hex digit). */
  const startOverwrite = (typed?: string) => {
    if (!allow('edit')) return;
    const from = typed === undefined && range ? range.from : (caret ?? range?.from ?? top * ROW_BYTES);
    const length = typed === undefined && range ? Math.min(MAX_OVERWRITE, range.to - range.from) : 1;
    const now = cache.read(from, length);
    setOverwrite({ offset: from, text: typed ?? (now ? [...now].map((b) => b.toString(16).padStart(2, '0')).join(' ') : '') });
  };
  const closeOverwrite = () => {
    setOverwrite(null);
    vp.viewportRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // No byte to overwrite nor to move to: the editor could only be refused (the empty state says why).
    if (size === 0) return;
    if (e.key === 'Enter' || (/^[0-9a-f]$/i.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey)) {
      e.preventDefault();
      startOverwrite(e.key === 'Enter' ? undefined : e.key);
      return;
    }
    const c = caret ?? top * ROW_BYTES;
    const page = fullRows * ROW_BYTES;
    const keys: Record<string, () => number> = {
      ArrowLeft: () => c - 1,
      ArrowRight: () => c + 1,
      ArrowUp: () => c - ROW_BYTES,
      ArrowDown: () => c + ROW_BYTES,
      PageUp: () => c - page,
      PageDown: () => c + page,
      Home: () => (e.ctrlKey ? 0 : c - (c % ROW_BYTES)),
      End: () => (e.ctrlKey ? size - 1 : c - (c % ROW_BYTES) + ROW_BYTES - 1),
    };
    const next = keys[e.key];
    if (!next) return;
    e.preventDefault();
    moveCaret(next(), e.shiftKey);
  };

  // A 0-byte file opens (it is a damaged stream with one problem); its hex view says so, not nothing.
  const empty = container ? 'The stream in this file has no bytes' : 'This file has no bytes';

  return (
    <section className="pane hex" aria-label="Hex">
      <HexHead digits={digits} label={where?.stream} />
      <div className="hex-body">
        <div
          id={VIEWPORT_ID}
          ref={vp.viewportRef}
          className="hex-viewport"
          tabIndex={0}
          aria-label={size === 0 ? empty : `Bytes ${top * ROW_BYTES} to ${Math.min(size, (top + fullRows) * ROW_BYTES)} of ${size}`}
          onKeyDown={onKeyDown}
          onMouseDown={(e) => {
            const o = offsetOf(e);
            if (o === null) return;
            e.preventDefault();
            (e.currentTarget as HTMLElement).focus();
            selectOffset(o, { extend: e.shiftKey });
          }}
          onDoubleClick={(e) => offsetOf(e) !== null && startOverwrite()}
          onMouseMove={onMouseMove}
          onMouseLeave={onMouseLeave}
        >
          {size === 0 ? <p className="hex-empty">{empty}</p> : rows}
        </div>
        <VirtualScrollbar top={top} maxTop={vp.maxTop} visibleRows={fullRows} totalRows={totalRows} controls={VIEWPORT_ID} onScroll={vp.scrollTo} />
      </div>
      {overwrite && <HexEditBar key={`${overwrite.offset}:${overwrite.text}`} offset={overwrite.offset} text={overwrite.text} onClose={closeOverwrite} />}
      <div className="hex-hover">{hover !== null ? `${describeByte(model.records, hover)}${where ? ` · ${fileOffsetText(where, hover)}` : ''}` : '\u00a0'}</div>
    </section>
  );
}
