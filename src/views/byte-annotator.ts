// Per-byte classes and tooltips for the hex view: the selected record's fields tinted in
// alternation and outlined at their edges, the selection, the caret, the hovered field and
// the bytes that differ from the original file.

import type { FieldNode, StreamRecord } from '../format/model.ts';
import { isChanged } from '../store/edit-marks.ts';
import { fieldIndex, leafIndexAt, nodeAt, recordAt } from '../store/field-index.ts';
import type { ByteRange } from '../store/selection-slice.ts';
import { fieldLabel, hex } from '../store/selectors.ts';
import type { Span } from '../worker/protocol.ts';
import { formatValue } from './format-value.ts';

export interface Annotator {
  className(offset: number): string;
  title(offset: number): string | undefined;
  leafAt(offset: number): number;
}

export function makeAnnotator(rec: StreamRecord | null, range: ByteRange | null, caret: number | null, hoverLeaf: number, changed: readonly Span[] = []): Annotator {
  const leaves = rec ? fieldIndex(rec).leaves : [];
  const titles = new Map<FieldNode, string>();
  const leafAt = (o: number) => (rec && o >= rec.offset && o < rec.offset + rec.size ? leafIndexAt(leaves, o) : -1);
  return {
    leafAt,
    className(o) {
      let c = '';
      if (rec && o >= rec.offset && o < rec.offset + rec.size) {
        const li = leafIndexAt(leaves, o);
        if (li >= 0) {
          const leaf = leaves[li];
          c += li % 2 ? ' f1' : ' f0';
          if (o === leaf.offset) c += ' fs';
          if (o === leaf.offset + leaf.size - 1) c += ' fe';
          if (li === hoverLeaf) c += ' hov';
        } else c += ' rec';
      }
      if (changed.length && isChanged(changed, o, o + 1)) c += ' ed';
      if (range && o >= range.from && o < range.to) c += ' sel';
      if (o === caret) c += ' caret';
      return c;
    },
    title(o) {
      const li = leafAt(o);
      if (li < 0) return undefined;
      const leaf = leaves[li];
      let t = titles.get(leaf);
      if (t === undefined) {
        t = `${fieldLabel(rec!, leaf.path)}\n${leaf.type}, ${leaf.size} byte${leaf.size === 1 ? '' : 's'} at ${hex(leaf.offset)}\n${formatValue(leaf)}`;
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
