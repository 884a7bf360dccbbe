// RAM compared while both files are scanned (ram-lockstep.ts, lockstep-result.ts) against the
// page hashes of each file read through its index (ram-hash.ts, compareRam), on streams saved by
// real QEMU 7.2 and 10.0: pairs of one guest, where nearly every record pairs, and the same files
// with their records in another order or sent twice, where the lockstep falls back to hashing
// and to reading pages again. Sources read in slices (as the CLI and the worker read files), so
// the side ahead really waits for the other at its reads.
import { describe, expect, it } from 'vitest';
import { memorySource, type ByteSource } from '../byte-source.ts';
import { PageKind, RAM_FLAG } from '../ram.ts';
import { scanStream, type ScanResult } from '../scan.ts';
import { fixtureBytes } from '../testing/fixtures.ts';
import { compareRam } from './ram-diff.ts';
import { hashRam } from './ram-hash.ts';
import { RamLockstep } from './ram-lockstep.ts';
import { lockstepResult } from './lockstep-result.ts';
import { walkRecords } from './ram-walk.ts';
import type { RamDiff } from './types.ts';

/** A file read in slices: `immediate` as the CLI's readSync source, else read ahead as a Blob is. */
function sliced(bytes: Uint8Array, immediate: boolean): ByteSource {
  const read = async (o: number, n: number) => bytes.slice(o, Math.min(bytes.length, o + n));
  return { size: bytes.length, immediate, read, readInto: async (o, t) => (t.set(bytes.subarray(o, o + t.length)), t.subarray(0, Math.min(t.length, bytes.length - o))) };
}

async function hashed(l: Uint8Array, r: Uint8Array): Promise<RamDiff> {
  const [ls, rs] = [memorySource(l), memorySource(r)];
  const [a, b] = await Promise.all([scanStream(ls), scanStream(rs)]);
  return compareRam(await hashRam(ls, a.ram), await hashRam(rs, b.ram), a.ram.pageSize);
}

/** Both scanned side by side, or (walk) the left one walked through its index as the worker does. */
async function lockstep(l: Uint8Array, r: Uint8Array, mode: 'memory' | 'immediate' | 'ahead' | 'walk') {
  const src = (b: Uint8Array) => (mode === 'memory' ? memorySource(b) : sliced(b, mode === 'immediate'));
  const [ls, rs] = [src(l), src(r)];
  const pair = new RamLockstep();
  const leftScan = mode === 'walk' ? await scanStream(ls) : null;
  const left = leftScan
    ? pair.run(pair.left, () => walkRecords(pair.left.gated(ls), leftScan.ram, pair.left.sink)).then(() => leftScan)
    : pair.run(pair.left, () => scanStream(pair.left.gated(ls), { ramPages: pair.left.sink }));
  const right = pair.run(pair.right, () => scanStream(pair.right.gated(rs), { ramPages: pair.right.sink }));
  const [a, b] = await Promise.all([left, right]);
  return { diff: await lockstepResult(pair, ls, a.ram, rs, b.ram), pair };
}

const MODES = ['memory', 'immediate', 'ahead', 'walk'] as const;

/** Runs of pc.ram records, back to back, that name no block (CONTINUE): [first page, count, offset, stride]. */
function continuedRuns(bytes: Uint8Array, scan: ScanResult, kind = PageKind.Data): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  scan.ram.blocks.get('pc.ram')!.forEachRun((first, count, k, offset, stride) => {
    if (k === kind && count >= 2 && stride === 8 + (kind === PageKind.Data ? 4096 : 1) && (bytes[offset + 7] & RAM_FLAG.CONTINUE) !== 0) out.push([first, count, offset, stride]);
  });
  return out;
}

/** Seeded bytes changed in `n` data pages of pc.ram's longest continued run; returns the pages. */
function changePages(bytes: Uint8Array, scan: ScanResult, n: number, seed: number): number[] {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
  const [first, count, offset, stride] = continuedRuns(bytes, scan).sort((a, b) => b[1] - a[1])[0];
  const pages = new Set<number>();
  while (pages.size < n) {
    const i = rnd() % count;
    bytes[offset + i * stride + 8 + (rnd() % 4096)] ^= 1 + (rnd() % 255);
    pages.add(first + i);
  }
  return [...pages].sort((a, b) => a - b);
}

const PAIRS: [string, string][] = [
  ['diff/regs-1-migration.bin', 'diff/regs-2-migration.bin'],
  ['diff/cmos-before-migration.bin', 'diff/cmos-after-migration.bin'],
  ['diff/regs-2-migration.bin', 'diff/cmos-after-migration.bin'],
  ['qemu10/pc-migration.bin', 'diff/qemu10-migration.bin'],
];

describe('RAM compared in lockstep during the scans', () => {
  it.each(PAIRS)('%s against %s: every record paired, the same difference as the page hashes', async (l, r) => {
    const [lb, rb] = [fixtureBytes(l), fixtureBytes(r)];
    const oracle = await hashed(lb, rb);
    for (const mode of MODES) {
      const { diff, pair } = await lockstep(lb, rb, mode);
      expect(diff, mode).toEqual(oracle);
      expect(pair.pairs, mode).toBeGreaterThan(4000);
      expect(pair.left.hashed + pair.right.hashed, mode).toBe(0);
    }
  });

  it('two different guests (pc-ram, pc-regs): pages only one sent are hashed, the rest paired; the same difference', async () => {
    const [lb, rb] = [fixtureBytes('pc-ram-migration.bin'), fixtureBytes('pc-regs-migration.bin')];
    const oracle = await hashed(lb, rb);
    expect(oracle.differing).toBeGreaterThan(0);
    for (const mode of MODES) {
      const { diff, pair } = await lockstep(lb, rb, mode);
      expect(diff, mode).toEqual(oracle);
      expect(pair.pairs, mode).toBeGreaterThan(4000);
      expect(pair.left.hashed + pair.right.hashed, mode).toBeGreaterThan(0);
    }
  });

  it('bytes changed in some pages (seeded): exactly those pages differ', async () => {
    for (const seed of [1, 20261204, 77]) {
      const orig = fixtureBytes('diff/regs-1-migration.bin');
      const copy = orig.slice();
      const changed = changePages(copy, await scanStream(memorySource(orig)), 1 + (seed % 13), seed);
      const oracle = await hashed(orig, copy);
      for (const mode of MODES) {
        const { diff } = await lockstep(orig, copy, mode);
        const ram = diff!.blocks.find((b) => b.name === 'pc.ram')!;
        expect(ram.firstDiffering, `seed ${seed}, ${mode}`).toEqual(changed);
        expect(diff, `seed ${seed}, ${mode}`).toEqual(oracle);
      }
    }
  });

  it('records in another order on one side (neighbours swapped): hashed during the scans, the same pages differ', async () => {
    const seed = 5;
    const orig = fixtureBytes('diff/regs-1-migration.bin');
    const scan = await scanStream(memorySource(orig));
    const copy = orig.slice();
    const changed = changePages(copy, scan, 6, seed);
    // Each even record of every continued run swapped with the next: the same pages, sent in
    // another order (a valid stream: CONTINUE records of one block, all of one size).
    for (const [, count, offset, stride] of [...continuedRuns(orig, scan), ...continuedRuns(orig, scan, PageKind.Zero)]) {
      for (let i = 0; i + 1 < count; i += 2) {
        const a = copy.slice(offset + i * stride, offset + (i + 1) * stride);
        copy.copyWithin(offset + i * stride, offset + (i + 1) * stride, offset + (i + 2) * stride);
        copy.set(a, offset + (i + 1) * stride);
      }
    }
    const oracle = await hashed(orig, copy);
    expect(oracle.blocks.find((b) => b.name === 'pc.ram')!.firstDiffering, `seed ${seed}`).toEqual(changed);
    for (const mode of MODES) {
      const { diff, pair } = await lockstep(orig, copy, mode);
      expect(diff, `seed ${seed}, ${mode}`).toEqual(oracle);
      expect(pair.left.hashed, mode).toBeGreaterThan(3000);
      expect(pair.right.hashed, mode).toBeGreaterThan(3000);
    }
  });

  it('pages sent again on one side after they were paired (a second round): their last records decide', async () => {
    const orig = fixtureBytes('diff/regs-1-migration.bin');
    const scan = await scanStream(memorySource(orig));
    const [first, count, offset, stride] = continuedRuns(orig, scan).sort((a, b) => b[1] - a[1])[0];
    // Records 2..10 of the run sent again right after it, the second copy of page first+4 changed
    // (the first copy is the one the left file pairs with); first+3 changed in the first copy
    // only (its second copy, equal to the left's, is the one that counts).
    const again = orig.slice(offset + 2 * stride, offset + 10 * stride);
    again[2 * stride + 8 + 100] ^= 0x5a;
    const end = offset + count * stride;
    const copy = new Uint8Array(orig.length + again.length);
    copy.set(orig.subarray(0, end));
    copy.set(again, end);
    copy.set(orig.subarray(end), end + again.length);
    copy[offset + 3 * stride + 8 + 7] ^= 0x33;
    const oracle = await hashed(orig, copy);
    expect(oracle.blocks.find((b) => b.name === 'pc.ram')!.firstDiffering).toEqual([first + 4]);
    for (const [l, r] of [[orig, copy], [copy, orig]]) {
      for (const mode of MODES) {
        const { diff, pair } = await lockstep(l, r, mode);
        expect(diff, mode).toEqual(await hashed(l, r));
        expect(pair.left.hashed + pair.right.hashed, mode).toBe(8);
      }
    }
  });

  it('a file against itself: nothing differs, and a side that fails stops the other without a hang', async () => {
    const b = fixtureBytes('pc-ram-migration.bin');
    const { diff } = await lockstep(b, b, 'ahead');
    expect(diff!.differing).toBe(0);
    const pair = new RamLockstep();
    const cut = sliced(b.subarray(0, b.length >> 1), true);
    const failing = { ...cut, readInto: async (o: number, t: Uint8Array) => (o > 4 << 20 ? Promise.reject(new Error('gone')) : cut.readInto!(o, t)) };
    const runs = [pair.run(pair.left, () => scanStream(pair.left.gated(sliced(b, true)), { ramPages: pair.left.sink })), pair.run(pair.right, () => scanStream(pair.right.gated(failing), { ramPages: pair.right.sink }))];
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toContain('fulfilled');
  });

  it('mapped-ram (QEMU 10.0) pages are not passed to the sinks: left to the other comparisons', async () => {
    const b = fixtureBytes('qemu10/pc-mapped-ram.bin');
    expect((await lockstep(b, b, 'immediate')).diff).toBeNull();
  });
});
