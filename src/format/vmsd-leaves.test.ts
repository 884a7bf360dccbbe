// The allocation-saving shortcuts of the decoder (alloc7) against the plain code they replace:
// shared element names against the template literal, Cursor.has/peekByte against peek, and
// Cursor.copy against bytes().slice(); on a real fixture, every leaf keeps the keys and key order
// a leaf had when its value was added after the node was made.
import { describe, expect, it } from 'vitest';
import { Cursor, NeedMoreData, type Window } from './cursor.ts';
import type { FieldNode } from './model.ts';
import { fixtureBytes, scanBytes } from './testing/fixtures.ts';
import { elementName } from './vmsd-leaves.ts';

const win = (bytes: number[], atEnd: boolean, base = 100): Window => ({ bytes: Uint8Array.from(bytes), base, atEnd });

describe('decoder shortcuts', () => {
  it('element names equal `[k]` inside and beyond the shared cache, in any order of asking', () => {
    for (const k of [0, 1, 9, 10, 4095, 70_000, 65_535, 65_536, 3]) expect(elementName(k)).toBe(`[${k}]`);
    for (let k = 0; k < 70_000; k += 7) expect(elementName(k)).toBe(`[${k}]`);
  });

  it('has/peekByte answer as peek does: bytes, null at a true end, NeedMoreData before one', () => {
    for (const atEnd of [true, false]) {
      for (const n of [0, 1, 2, 3, 4]) {
        const c = new Cursor(win([5, 7, 9], atEnd), 101);
        let peeked: Uint8Array | null | 'more';
        try {
          peeked = c.peek(n);
        } catch (e) {
          if (!(e instanceof NeedMoreData)) throw e;
          peeked = 'more';
        }
        let had: boolean | 'more';
        try {
          had = c.has(n);
        } catch (e) {
          if (!(e instanceof NeedMoreData)) throw e;
          had = 'more';
        }
        expect(had === 'more' ? 'more' : had ? 'bytes' : 'null').toBe(peeked === 'more' ? 'more' : peeked ? 'bytes' : 'null');
        if (peeked instanceof Uint8Array) expect(Array.from({ length: n }, (_, k) => c.peekByte(k))).toEqual([...peeked]);
        expect(c.pos).toBe(101);
      }
    }
  });

  it('copy(n, keep) is bytes(n).slice(0, keep): same bytes, same cursor, not a view', () => {
    const bytes = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const [n, keep] of [[8, 8], [5, 2], [0, 0], [3, 9]]) {
      const a = new Cursor(win(bytes, true));
      const b = new Cursor(win(bytes, true));
      const copied = a.copy(n, keep);
      expect([...copied]).toEqual([...b.bytes(n).slice(0, keep)]);
      expect(a.pos).toBe(b.pos);
      expect(copied.byteOffset).toBe(0);
      expect(copied.buffer.byteLength).toBe(copied.length);
    }
    expect(() => new Cursor(win(bytes, true)).copy(9)).toThrow(/needed/);
  });

  it('every decoded leaf of a real migration stream has the keys of old, in the same order', async () => {
    const m = await scanBytes(fixtureBytes('pc-migration.bin'));
    let leaves = 0;
    const walk = (ns: FieldNode[]): void => {
      for (const n of ns) {
        if (n.kind === 'leaf' && 'value' in n && !n.children) {
          leaves++;
          expect(Object.keys(n).slice(0, 6)).toEqual(['name', 'path', 'kind', 'type', 'offset', 'size']);
        }
        if (n.children) walk(n.children);
      }
    };
    for (const r of m.records) walk(r.fields ?? []);
    expect(leaves).toBeGreaterThan(1000);
  });
});
