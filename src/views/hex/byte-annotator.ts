// Per-byte classes and tooltips for the hex view: the selected record's fields tinted in
// alternation and outlined at their edges, the selection, the caret, the hovered field and
// the bytes that differ from the original file.

import type { FieldNode, StreamRecord } from '../../format/model.ts';
import { fieldIndex, leafIndexAt, nodeAt, recordAt } from '../../store/field-index.ts';
import { fieldLabel, hex } from '../../store/selectors.ts';
import type { ByteRange } from '../../format/byte-range.ts';
import { formatValue } from '../common/format-value.ts';

export interface Annotator {
  /**
   * The class suffix (" f0 fs sel", or "") of every byte in [from, to), in order. One walk over
   * the window: the view asks for its ~700 visible bytes on every render while scrolling.
   */
  classes(from: number, to: number): string[];
  /** The tooltip of a byte: its field, type, size, offset and value; computed when hovered. */
  title(offset: number): string | undefined;
  leafAt(offset: number): number;
}

/** Index of the first of `items` (sorted, disjoint) that ends after `offset`. */
function firstEndingAfter<T>(items: readonly T[], offset: number, end: (t: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (end(items[mid]) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const leafEnd = (n: FieldNode) => n.offset + n.size;
const spanEnd = (s: ByteRange) => s.to;

/** `describe`: how an offset reads in the titles (labelled as a stream offset inside a container). */
export function makeAnnotator(rec: StreamRecord | null, range: ByteRange | null, caret: number | null, hoverLeaf: number, changed: readonly ByteRange[] = [], describe: (offset: number) => string = hex): Annotator {
  const leaves = rec ? fieldIndex(rec).leaves : [];
  const inRecord = (o: number) => !!rec && o >= rec.offset && o < rec.offset + rec.size;
  const titles = new Map<FieldNode, string>();
  const leafAt = (o: number) => (inRecord(o) ? leafIndexAt(leaves, o) : -1);
  return {
    leafAt,
    classes(from, to) {
      const out: string[] = [];
      // Cursors into the leaves and changed spans, moved forward with the offset.
      let li = firstEndingAfter(leaves, from, leafEnd);
      let ci = firstEndingAfter(changed, from, spanEnd);
      for (let o = from; o < to; o++) {
        let c = '';
        if (inRecord(o)) {
          while (li < leaves.length && leafEnd(leaves[li]) <= o) li++;
          const leaf = leaves[li];
          if (leaf && leaf.offset <= o) {
            c += li % 2 ? ' f1' : ' f0';
            if (o === leaf.offset) c += ' fs';
            if (o === leaf.offset + leaf.size - 1) c += ' fe';
            if (li === hoverLeaf) c += ' hov';
          } else c += ' rec';
        }
        while (ci < changed.length && changed[ci].to <= o) ci++;
        if (ci < changed.length && changed[ci].from <= o) c += ' ed';
        if (range && o >= range.from && o < range.to) c += ' sel';
        if (o === caret) c += ' caret';
        out.push(c);
      }
      return out;
    },
    title(o) {
      const li = leafAt(o);
      if (li < 0) return undefined;
      const leaf = leaves[li];
      let t = titles.get(leaf);
      if (t === undefined) {
        t = `${fieldLabel(rec!, leaf.path)}\n${leaf.type}, ${leaf.size} byte${leaf.size === 1 ? '' : 's'} at ${describe(leaf.offset)}\n${formatValue(leaf)}`;
        titles.set(leaf, t);
      }
      return t;
    },
  };
}

/** One line about any byte of the file: its record, and the field covering it if decoded. */
export function describeByte(records: StreamRecord[], offset: number): string {
  const rec = recordAt(records, offset);
  if (!rec) return `${hex(offset)}: outside every record`;
  const node = nodeAt(rec.fields, offset);
  if (!node) return `${hex(offset)}  ${fieldLabel(rec, null)}`;
  const value = formatValue(node);
  return `${hex(offset)}  ${fieldLabel(rec, node.path)}  ${node.type}${value ? ` = ${value}` : ''}`;
}
