// The byte comparison the RAM comparisons take (ram-paired.ts) and where each page's last record
// is, on a stream saved by real QEMU 7.2.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { PageKind } from '../ram.ts';
import { scanStream } from '../scan.ts';
import { fixtureBytes } from '../testing/fixtures.ts';
import { finals, jsEqualBytes, NOT_SENT, type EqualBytes } from './ram-paired.ts';

const bufferEqual: EqualBytes = (a, aAt, b, bAt, n) => Buffer.from(a.buffer, a.byteOffset + aAt, n).equals(Buffer.from(b.buffer, b.byteOffset + bAt, n));

describe('RAM page bytes', () => {
  it("finals: each page's last record, the record there naming that page", async () => {
    const bytes = fixtureBytes('diff/regs-1-migration.bin');
    const scan = await scanStream(memorySource(bytes));
    const f = finals(scan.ram).get('pc.ram')!;
    const last = new Map<number, [number, number]>();
    scan.ram.blocks.get('pc.ram')!.forEachRun((first, count, kind, offset, stride) => {
      for (let i = 0; i < count; i++) last.set(first + i, [offset + i * stride, kind]);
    });
    expect(f.pages).toBe(Math.ceil(scan.ram.blocks.get('pc.ram')!.length / 4096));
    for (let p = 0; p < f.pages; p++) {
      const want = last.get(p);
      expect(f.kind[p], `page ${p}`).toBe(want ? want[1] : NOT_SENT);
      if (want) {
        expect(f.offset[p]).toBe(want[0]);
        // The record there names this page: be64 address, flags in the low bits.
        const lo = ((bytes[want[0] + 4] << 24) | (bytes[want[0] + 5] << 16) | (bytes[want[0] + 6] << 8) | bytes[want[0] + 7]) >>> 0;
        expect(Math.floor(lo / 4096), `page ${p}`).toBe(p);
      }
    }
    expect([...f.kind].filter((k) => k === PageKind.Data).length).toBeGreaterThan(20);
  });

  it('the plain JS comparison agrees with Buffer#equals at every alignment (seeded)', () => {
    const seed = 7;
    let x = seed;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
    const a = new Uint8Array(600).map(() => rnd() & 3);
    const b = a.slice();
    for (let t = 0; t < 3000; t++) {
      const n = rnd() % 200;
      const aAt = rnd() % 300;
      const bAt = t % 3 ? aAt : rnd() % 300;
      if (t % 5 === 0 && n) b[bAt + (rnd() % n)] ^= 1;
      expect(jsEqualBytes(a, aAt, b, bAt, n), `seed ${seed}, trial ${t}`).toBe(bufferEqual(a, aAt, b, bAt, n));
      b.set(a);
    }
  });
});
