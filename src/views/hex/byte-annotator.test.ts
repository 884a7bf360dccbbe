import { describe, expect, it } from 'vitest';
import type { FieldNode, StreamRecord } from '../../format/model.ts';
import { isChanged } from '../../store/edit-marks.ts';
import { fieldIndex, leafIndexAt } from '../../store/field-index.ts';
import type { ByteRange } from '../../format/byte-range.ts';
import { makeAnnotator } from './byte-annotator.ts';

const leaf = (name: string, offset: number, size: number): FieldNode => ({ name, path: `dev (0)/${name}`, kind: 'leaf', type: `uint${size * 8}`, offset, size, value: 0 });

// Fields with gaps between them (bytes of the record in no field), a one-byte field, a struct.
const record = {
  index: 3, kind: 'section', sectionType: 'full', offset: 100, size: 60, depth: 0, idstr: 'dev', instanceId: 0, problems: [],
  fields: [
    leaf('a', 110, 4),
    leaf('b', 114, 1),
    { name: 's', path: 'dev (0)/s', kind: 'struct', type: 'struct', offset: 120, size: 16, children: [leaf('s.x', 120, 8), leaf('s.y', 128, 8)] },
    leaf('c', 150, 2),
  ],
} as StreamRecord;

/** What one byte's classes are, by definition: a search per byte (what the view once did). */
function classOf(rec: StreamRecord | null, range: ByteRange | null, caret: number | null, hoverLeaf: number, changed: ByteRange[], o: number): string {
  let c = '';
  if (rec && o >= rec.offset && o < rec.offset + rec.size) {
    const leaves = fieldIndex(rec).leaves;
    const li = leafIndexAt(leaves, o);
    if (li >= 0) {
      c += li % 2 ? ' f1' : ' f0';
      if (o === leaves[li].offset) c += ' fs';
      if (o === leaves[li].offset + leaves[li].size - 1) c += ' fe';
      if (li === hoverLeaf) c += ' hov';
    } else c += ' rec';
  }
  if (isChanged(changed, o, o + 1)) c += ' ed';
  if (range && o >= range.from && o < range.to) c += ' sel';
  if (o === caret) c += ' caret';
  return c;
}

describe('makeAnnotator().classes', () => {
  const changed: ByteRange[] = [{ from: 90, to: 101 }, { from: 113, to: 115 }, { from: 158, to: 170 }];
  const cases: [string, StreamRecord | null, ByteRange | null, number | null, number, ByteRange[]][] = [
    ['a record, its fields, a selection, the caret, a hovered field, edits', record, { from: 112, to: 125 }, 118, 3, changed],
    ['no record selected, edits only', null, null, null, -1, changed],
    ['nothing at all', null, null, null, -1, []],
  ];
  for (const [what, rec, range, caret, hover, spans] of cases) {
    it(`matches the per-byte definition over any window: ${what}`, () => {
      const annotate = makeAnnotator(rec, range, caret, hover, spans);
      for (const [from, to] of [[80, 180], [100, 160], [113, 129], [150, 152], [0, 0], [119, 120]]) {
        const want = Array.from({ length: to - from }, (_, i) => classOf(rec, range, caret, hover, spans, from + i));
        expect(annotate.classes(from, to), `[${from}, ${to})`).toEqual(want);
      }
    });
  }

  it('names a hovered byte by its field, and nothing outside the fields', () => {
    const annotate = makeAnnotator(record, null, null, -1);
    expect(annotate.title(129)).toBe('dev (0) / s.y\nuint64, 8 bytes at 0x80\n0x0 (0)');
    expect(annotate.title(116)).toBeUndefined();
    expect(annotate.leafAt(114)).toBe(1);
  });
});
