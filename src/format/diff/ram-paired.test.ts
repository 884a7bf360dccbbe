// The RAM compared from both files' bytes side by side (ram-paired.ts) against the page hashes
// (ram-hash.ts), on streams saved by real QEMU 7.2 and 10.0: the same blocks, counts, pictures
// and first pages; a byte changed in any page (seeded) is found in exactly that page.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { PageKind, RAM_FLAG } from '../ram.ts';
import { scanStream } from '../scan.ts';
import { fixtureBytes } from '../testing/fixtures.ts';
import { compareRam } from './ram-diff.ts';
import { hashRam } from './ram-hash.ts';
import { compareRamPaired, jsEqualBytes, type EqualBytes } from './ram-paired.ts';

const bufferEqual: EqualBytes = (a, aAt, b, bAt, n) => Buffer.from(a.buffer, a.byteOffset + aAt, n).equals(Buffer.from(b.buffer, b.byteOffset + bAt, n));

async function both(l: Uint8Array, r: Uint8Array, equal?: EqualBytes) {
  const [ls, rs] = [memorySource(l), memorySource(r)];
  const [lscan, rscan] = await Promise.all([scanStream(ls), scanStream(rs)]);
  const hashed = compareRam(await hashRam(ls, lscan.ram), await hashRam(rs, rscan.ram), lscan.ram.pageSize);
  const paired = await compareRamPaired(ls, lscan.ram, rs, rscan.ram, { equal });
  return { hashed, paired, lscan };
}

const PAIRS: [string, string][] = [
  ['diff/regs-1-migration.bin', 'diff/regs-2-migration.bin'],
  ['diff/cmos-before-migration.bin', 'diff/cmos-after-migration.bin'],
  ['diff/regs-2-migration.bin', 'diff/cmos-after-migration.bin'],
  ['pc-ram-migration.bin', 'pc-ram-migration.bin'],
  ['qemu10/pc-migration.bin', 'diff/qemu10-migration.bin'],
];

describe('RAM compared side by side', () => {
  it.each(PAIRS)('%s against %s: the same result as the page hashes', async (l, r) => {
    for (const equal of [undefined, bufferEqual]) {
      const { hashed, paired } = await both(fixtureBytes(l), fixtureBytes(r), equal);
      expect(paired).not.toBeNull();
      expect(paired).toEqual(hashed);
    }
  });

  it('the regs pair (a guest program ran between the saves) differs in some pc.ram pages, found alike', async () => {
    const { paired } = await both(fixtureBytes('diff/regs-1-migration.bin'), fixtureBytes('diff/regs-2-migration.bin'));
    const ram = paired!.blocks.find((b) => b.name === 'pc.ram')!;
    expect(ram.differing).toBeGreaterThan(0);
    expect(ram.differing).toBeLessThan(64);
  });

  it('one byte changed in each of some data pages (seeded): exactly those pages differ', async () => {
    const seed = 20261204;
    let x = seed;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
    const orig = fixtureBytes('diff/regs-1-migration.bin');
    const scan = await scanStream(memorySource(orig));
    const last = new Map<number, number>(); // pc.ram page -> its last data record
    scan.ram.blocks.get('pc.ram')!.forEachRun((first, count, kind, offset, stride) => {
      for (let i = 0; i < count; i++) kind === PageKind.Data ? last.set(first + i, offset + i * stride) : last.delete(first + i);
    });
    const pages = [...last.keys()];
    expect(pages.length).toBeGreaterThan(20);
    for (let trial = 0; trial < 4; trial++) {
      const copy = orig.slice();
      const changed = new Set<number>();
      for (let k = 0; k < 1 + (rnd() % 20); k++) {
        const p = pages[rnd() % pages.length];
        const at = last.get(p)!;
        const data = at + 8 + ((copy[at + 7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + copy[at + 8]);
        copy[data + (rnd() % 4096)] ^= 1 + (rnd() % 255);
        changed.add(p);
      }
      const { paired, hashed } = await both(orig, copy, trial % 2 ? bufferEqual : undefined);
      const ram = paired!.blocks.find((b) => b.name === 'pc.ram')!;
      expect(ram.differing, `seed ${seed}, trial ${trial}`).toBe(changed.size);
      expect(ram.firstDiffering, `seed ${seed}, trial ${trial}`).toEqual([...changed].sort((a, b) => a - b).slice(0, 16));
      expect(paired, `seed ${seed}, trial ${trial}`).toEqual(hashed);
    }
  });

  it('mapped-ram (QEMU 10.0) pages sit in slots, not in file order: left to the hashes', async () => {
    const b = fixtureBytes('qemu10/pc-mapped-ram.bin');
    expect((await both(b, b)).paired).toBeNull();
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
