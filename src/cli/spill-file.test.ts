// The CLI's spill writes through the thread pool with a few buffers in flight: whatever the
// pieces' sizes, and whether the ring is free or exhausted (output then written synchronously),
// the file must hold the bytes in order; a failed write must surface, and never after the
// descriptor closed. The oracle is the concatenation of the pieces, read back from the disk.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libvirtFixture, streamStart } from '../format/testing/libvirt-fixtures.ts';
import { SpillFile } from './spill-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'spill-file-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const raw = libvirtFixture('raw.sav');
const stream = raw.subarray(streamStart(raw));

/** A small LCG: the pieces' sizes, reproducible from the seed printed on failure. */
function sizes(seed: number, total: number, max: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let at = 0; at < total; ) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = Math.min(total - at, 1 + (s % max));
    out.push(n);
    at += n;
  }
  return out;
}

describe('SpillFile', () => {
  it.each([
    { seed: 1, ring: 4, block: 64 << 10, max: 200_000, settleEvery: true },
    { seed: 2, ring: 1, block: 4096, max: 70_000, settleEvery: false },
    { seed: 3, ring: 2, block: 1 << 20, max: 3_000, settleEvery: false },
  ])('writes the stream in order (seed $seed, ring $ring, block $block)', async ({ seed, ring, block, max, settleEvery }) => {
    const path = join(dir, `s${seed}.bin`);
    const fd = openSync(path, 'w');
    const out = new SpillFile(fd, ring, block);
    let at = 0;
    // The caller reuses its buffer after each write, as decoders do (codecs/decoder.ts Emit).
    const reused = new Uint8Array(max);
    for (const n of sizes(seed, stream.length, max)) {
      reused.set(stream.subarray(at, at + n));
      out.write(reused.subarray(0, n));
      reused.fill(0xee);
      at += n;
      if (settleEvery) await out.settle();
    }
    await out.flush();
    closeSync(fd);
    expect(out.length, `seed ${seed}`).toBe(stream.length);
    expect(Buffer.compare(readFileSync(path), stream), `seed ${seed}`).toBe(0);
  });

  it('a failed write (a closed descriptor) surfaces at the next write or flush, after every write stopped', async () => {
    const fd = openSync(join(dir, 'bad.bin'), 'w');
    const out = new SpillFile(fd, 2, 4096);
    closeSync(fd); // every asynchronous write fails with EBADF
    // Two buffers go to the pool; the third block finds none free and is written at once: it throws.
    expect(() => out.write(stream.subarray(0, 3 * 4096))).toThrow(/EBADF/);
    await expect(out.flush()).rejects.toThrow(/EBADF/);
    await out.stopped();
    // The pool's writes failed too, and the next write says so at once.
    expect(() => out.write(stream.subarray(0, 10))).toThrow(/EBADF/);
  });
});
