// RAM record kinds QEMU 7.2 does not write to a plain file (XBZRLE, compressed pages) are counted
// and indexed, never decoded into memory (format.md §6.1).
import { describe, expect, it } from 'vitest';
import { Cursor, NeedMoreData } from './cursor.ts';
import { decodeRamRecords, newRamSummary, PageKind, RamBlockIndex, RamState, RAM_FLAG } from './ram.ts';

const be64 = (hi: number, lo: number) => [hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
const name = (s: string) => [s.length, ...s.split('').map((c) => c.charCodeAt(0))];

describe('RAM records', () => {
  it('counts and indexes every kind of page record, with CONTINUE across records', () => {
    const bytes = [
      ...be64(0, 0x4000 | RAM_FLAG.MEM_SIZE), ...name('b'), ...be64(0, 0x4000),
      ...be64(0, 0x0000 | RAM_FLAG.ZERO), ...name('b'), 0,
      ...be64(0, 0x1000 | RAM_FLAG.PAGE | RAM_FLAG.CONTINUE), ...new Array(4096).fill(7),
      ...be64(0, 0x2000 | RAM_FLAG.XBZRLE | RAM_FLAG.CONTINUE), 1, 0, 3, 9, 9, 9,
      ...be64(0, 0x3000 | RAM_FLAG.COMPRESS_PAGE | RAM_FLAG.CONTINUE), 0, 0, 0, 2, 0x78, 0x9c,
      ...be64(0, RAM_FLAG.EOS),
    ];
    const st = new RamState(4096);
    const summary = newRamSummary();
    expect(decodeRamRecords(new Cursor({ bytes: Uint8Array.from(bytes), base: 0, atEnd: true }), st, summary)).toBe('eos');
    expect(summary).toMatchObject({ zero: 1, pages: 1, xbzrle: 1, compressed: 1, memSize: 0x4000, blocks: [{ name: 'b', length: 0x4000 }] });
    const runs: number[][] = [];
    st.blocks.get('b')!.forEachRun((first, count, kind, offset) => runs.push([first, count, kind, offset]));
    expect(runs.map((r) => r[0])).toEqual([0, 1, 2, 3]);
    expect(st.resumeAt).toBe(bytes.length);
  });

  it('refuses CONTINUE before any block and offsets outside the block', () => {
    const st = new RamState(4096);
    expect(() => decodeRamRecords(new Cursor({ bytes: Uint8Array.from([...be64(0, RAM_FLAG.ZERO | RAM_FLAG.CONTINUE), 0]), base: 0, atEnd: true }), st, newRamSummary())).toThrow(/Ack, bad migration stream/);
    const bytes = [...be64(0, 0x1000 | RAM_FLAG.MEM_SIZE), ...name('b'), ...be64(0, 0x1000), ...be64(0, 0x1000 | RAM_FLAG.ZERO), ...name('b'), 0];
    expect(() => decodeRamRecords(new Cursor({ bytes: Uint8Array.from(bytes), base: 0, atEnd: true }), new RamState(4096), newRamSummary())).toThrow(/Illegal RAM offset/);
  });

  // The bulk paths (addRun, and continuedPages' run of data pages) against the record-by-record
  // ones they replace on the common case: seeded random streams of runs, gaps, zero pages and
  // window cuts. A page sink turns the bulk path off, so the same bytes decode both ways.
  it('indexes runs of data pages as record-by-record decoding does (seeded)', () => {
    const seed = 20261204;
    let x = seed;
    const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let round = 0; round < 16; round++) {
      const ps = 512;
      const pages = 256;
      const bytes: number[] = [...be64(0, (pages * ps) | RAM_FLAG.MEM_SIZE), ...name('b'), ...be64(0, pages * ps), ...be64(0, RAM_FLAG.ZERO), ...name('b'), 0];
      let page = 1;
      while (page < pages) {
        const zero = rand(4) === 0;
        bytes.push(...be64(0, (page * ps) | (zero ? RAM_FLAG.ZERO : RAM_FLAG.PAGE) | RAM_FLAG.CONTINUE), ...(zero ? [0] : new Array<number>(ps).fill(round)));
        page += 1 + (rand(5) === 0 ? rand(3) : 0);
      }
      bytes.push(...be64(0, RAM_FLAG.EOS));
      const all = Uint8Array.from(bytes);
      const decode = (sink: boolean) => {
        const st = new RamState(ps);
        if (sink) st.pageSink = () => {};
        const summary = newRamSummary();
        // Windows cut at random places, as WindowReader's slices cut a file.
        for (let guard = 0; guard < 1000; guard++) {
          const end = Math.min(all.length, st.resumeAt + 9 + rand(3 * ps));
          const win = { bytes: all.subarray(st.resumeAt, end), base: st.resumeAt, atEnd: end === all.length };
          try {
            if (decodeRamRecords(new Cursor(win, st.resumeAt), st, summary) === 'eos') break;
          } catch (e) {
            if (!(e instanceof NeedMoreData)) throw e;
          }
        }
        const runs: number[][] = [];
        st.blocks.get('b')!.forEachRun((...r) => runs.push(r));
        return { summary, runs, resumeAt: st.resumeAt };
      };
      const bulk = decode(false);
      expect(bulk.resumeAt, `seed ${seed} round ${round}`).toBe(all.length);
      expect(bulk, `seed ${seed} round ${round}`).toEqual(decode(true));
    }
  });

  it('addRun indexes as many add() calls do (seeded)', () => {
    const seed = 4242;
    let x = seed;
    const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let round = 0; round < 200; round++) {
      const [a, b] = [new RamBlockIndex('a', 0), new RamBlockIndex('b', 0)];
      let page = 0;
      let offset = 0;
      for (let k = 0; k < 20; k++) {
        const count = 1 + rand(6);
        const kind = rand(3) === 0 ? PageKind.Zero : PageKind.Data;
        const stride = rand(4) === 0 ? 9 : 4104;
        page += rand(3) === 0 ? rand(4) : 0;
        offset += rand(3) === 0 ? rand(20) : 0;
        a.addRun(page, count, kind, offset, stride);
        for (let i = 0; i < count; i++) b.add(page + i, kind, offset + i * stride);
        page += count;
        offset += count * stride;
      }
      const runs = (r: RamBlockIndex) => {
        const out: number[][] = [];
        r.forEachRun((...v) => out.push(v));
        return [out, r.info()];
      };
      expect(runs(a), `seed ${seed} round ${round}`).toEqual([runs(b)[0], { ...(runs(b)[1] as object), name: 'a' }]);
    }
  });
});
