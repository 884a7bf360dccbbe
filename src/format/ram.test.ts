// RAM record kinds QEMU 7.2 does not write to a plain file (XBZRLE, compressed pages) are counted
// and indexed, never decoded into memory (format.md §6.1).
import { describe, expect, it } from 'vitest';
import { Cursor } from './cursor.ts';
import { decodeRamRecords, newRamSummary, RamState, RAM_FLAG } from './ram.ts';

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
});
