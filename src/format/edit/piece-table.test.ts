// Seeded random edits, undo and redo against a plain byte-array model.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { invertChange, type Change } from './change.ts';
import { emptyHistory, pushAction, redo, undo, type History } from './history.ts';
import { editedSource, PieceTable } from './piece-table.ts';
import { prng } from '../testing/fixtures.ts';

function applyPlain(bytes: number[], a: Change): number[] {
  const out = [...bytes];
  for (const s of a.splices) out.splice(s.offset, s.removed.length, ...s.inserted);
  return out;
}

function randomAction(current: number[], rnd: () => number): Change {
  const offset = Math.floor(rnd() * (current.length + 1));
  const removeCount = Math.min(current.length - offset, Math.floor(rnd() * 6));
  // Mostly overwrites (field edits), sometimes size changes (header edits).
  const insertCount = rnd() < 0.7 ? removeCount : Math.floor(rnd() * 6);
  const inserted = Uint8Array.from({ length: insertCount }, () => Math.floor(rnd() * 256));
  return { kind: 'raw', label: `@${offset}`, warnings: [], splices: [{ offset, removed: Uint8Array.from(current.slice(offset, offset + removeCount)), inserted }] };
}

describe('edits over the original', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: 200 random actions, undos and redos match a byte-array model', async (seed) => {
    const rnd = prng(seed);
    const original = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    const source = memorySource(original);
    let history: History<Change> = emptyHistory();
    const plain: number[][] = [[...original]];
    const redoPlain: number[][] = [];
    const log: string[] = [];
    for (let step = 0; step < 200; step++) {
      const r = rnd();
      if (r < 0.6) {
        const a = randomAction(plain.at(-1)!, rnd);
        history = pushAction(history, a);
        plain.push(applyPlain(plain.at(-1)!, a));
        redoPlain.length = 0;
        log.push(`apply ${a.label} -${a.splices[0].removed.length}+${a.splices[0].inserted.length}`);
      } else if (r < 0.8 && plain.length > 1) {
        history = undo(history);
        redoPlain.push(plain.pop()!);
        log.push('undo');
      } else if (redoPlain.length) {
        history = redo(history);
        plain.push(redoPlain.pop()!);
        log.push('redo');
      }
      const edited = editedSource(source, history.done);
      expect(edited.size, log.join('\n')).toBe(plain.at(-1)!.length);
      expect([...(await edited.read(0, edited.size))], log.join('\n')).toEqual(plain.at(-1));
      // A slice from the middle, across piece boundaries.
      const from = Math.floor(rnd() * edited.size);
      expect([...(await edited.read(from, 17))], log.join('\n')).toEqual(plain.at(-1)!.slice(from, from + 17));
    }
    expect(original).toEqual(Uint8Array.from({ length: 300 }, (_, i) => i & 255));
  });

  it('an inverse action restores the bytes', async () => {
    const source = memorySource(Uint8Array.from([1, 2, 3, 4, 5]));
    const a: Change = { kind: 'header', label: 'x', warnings: [], splices: [{ offset: 1, removed: Uint8Array.of(2, 3), inserted: Uint8Array.of(9, 9, 9) }] };
    const back = editedSource(source, [a, invertChange(a)]);
    expect([...(await back.read(0, back.size))]).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs are slices of the original and inserted bytes', () => {
    const t = PieceTable.of(100, [{ kind: 'raw', label: '', warnings: [], splices: [{ offset: 10, removed: new Uint8Array(2), inserted: Uint8Array.of(7, 7) }] }]);
    expect(t.runs().map((r) => (r.original ? `o${r.start}+${r.length}` : `b${r.bytes.length}`))).toEqual(['o0+10', 'b2', 'o12+88']);
  });
});
