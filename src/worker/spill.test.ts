// The OPFS spill batches a decoder's small pieces into 1 MiB writes of the sync access handle.
// Under Node there is no OPFS, so a stand-in directory (testing/fake-opfs.ts) records the handle's writes: the bytes
// read back must be the pieces in order, whatever their sizes (seeded), the partial batch must be
// written by flush/finish, and a short write (the quota) must throw SpillFull with the bytes
// stored. The oracle is the concatenation of the pieces.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeStorage as fakeOpfs } from './testing/fake-opfs.ts';
import { openSpill, SpillFull } from './spill.ts';

const fakeStorage = (limit?: number) => fakeOpfs(limit).file;

afterEach(() => vi.unstubAllGlobals());

function pieces(seed: number, total: number): Uint8Array[] {
  const all = new Uint8Array(total);
  for (let i = 0; i < total; i++) all[i] = (i * 7) ^ (i >>> 11);
  let s = seed >>> 0;
  const out: Uint8Array[] = [];
  for (let at = 0; at < total; ) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = Math.min(total - at, 1 + (s % (s & 1 ? 200_000 : 3_000_000)));
    out.push(all.slice(at, at + n));
    at += n;
  }
  return out;
}

describe('openSpill (OPFS)', () => {
  it.each([1, 2, 3])('keeps the pieces in order in batched writes (seed %i)', async (seed) => {
    const file = fakeStorage();
    const spill = await openSpill();
    const parts = pieces(seed, 9_000_000);
    for (const p of parts) spill.write(p);
    const blob = await spill.finish();
    const want = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
    const got = new Uint8Array(await blob.arrayBuffer());
    expect(got.length, `seed ${seed}`).toBe(want.length);
    expect(Buffer.compare(got, want), `seed ${seed}`).toBe(0);
    // Batched: far fewer writes than pieces when the pieces are small.
    expect(file.writes, `seed ${seed}`).toBeLessThanOrEqual(parts.length);
    expect(file.writes, `seed ${seed}`).toBeLessThanOrEqual(Math.ceil(want.length / (1 << 20)) + parts.filter((p) => p.length >= 1 << 20).length + 1);
  });

  it('a short write (the quota) throws SpillFull with the bytes stored', async () => {
    fakeStorage(1_500_000);
    const spill = await openSpill();
    const piece = new Uint8Array(100_000).fill(1);
    let error: unknown;
    try {
      for (let i = 0; i < 30; i++) spill.write(piece);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpillFull);
    expect((error as SpillFull).written).toBe(1_500_000);
  });
});
