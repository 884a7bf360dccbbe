// The primed first read must give exactly the bytes an unprimed read gives, whatever the first
// read asks for: the prefetched range, more than it (the rest read after it, into memory the
// stream may transfer), another offset first (the prefetch left unused), a range cut by the end
// of the file. The oracle is the Blob's own bytes. It must also start at once, before any read.
import { describe, expect, it } from 'vitest';
import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { primedSource } from './primed-source.ts';

const SIZE = 3 * 1024 * 1024 + 123;
const bytes = new Uint8Array(SIZE).map((_, i) => (i * 131 + (i >>> 9)) & 0xff);
const blob = new Blob([bytes]);

/** Reads [from, end) through `source.readInto` in `step`-byte reads, as inflate's read-ahead does. */
async function readAll(source: ByteSource, from: number, step: number): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for (let at = from; at < SIZE; ) {
    const got = await source.readInto!(at, new Uint8Array(Math.min(step, SIZE - at)));
    if (got.length === 0) break;
    out.push(got.slice());
    at += got.length;
  }
  return new Uint8Array(await new Blob(out as Uint8Array<ArrayBuffer>[]).arrayBuffer());
}

describe('primedSource', () => {
  it.each([
    ['the prefetched range first', 1000, 1 << 20, 1 << 20],
    ['a first read longer than the prefetch', 1000, 64 << 10, 1 << 20],
    ['a first read shorter than the prefetch', 1000, 1 << 20, 300_000],
    ['a prefetch cut by the end of the file', SIZE - 5000, 1 << 20, 1 << 20],
  ])('%s: the same bytes as the file', async (_, at, prefetch, step) => {
    const got = await readAll(primedSource(blobSource(blob, 0), at, prefetch), at, step);
    expect(got.length).toBe(SIZE - at);
    expect(Buffer.compare(got, bytes.subarray(at))).toBe(0);
  });

  it('a read elsewhere first leaves the prefetch unused, and later reads at its offset still read the file', async () => {
    const source = primedSource(blobSource(blob, 0), 4096, 1 << 20);
    const other = await source.readInto!(2 << 20, new Uint8Array(1000));
    expect(Buffer.compare(other, bytes.subarray(2 << 20, (2 << 20) + 1000))).toBe(0);
    const got = await readAll(source, 4096, 1 << 20);
    expect(Buffer.compare(got, bytes.subarray(4096))).toBe(0);
  });

  it('starts its read at once, before anything is asked of it', () => {
    const calls: [number, number][] = [];
    const base = blobSource(blob, 0);
    const spy: ByteSource = { ...base, readInto: (offset, target) => (calls.push([offset, target.length]), base.readInto!(offset, target)) };
    primedSource(spy, 777, 1 << 20);
    expect(calls).toEqual([[777, 1 << 20]]);
  });
});
