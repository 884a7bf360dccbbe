// The nested worker's file source when the decode worker reads (parent-reads.ts), under the real
// inflate (format/container/inflate.ts): 4 MiB blocks asked one message each, and each block
// handed back for reuse only once inflate is done with it. The stand-in parent detaches every
// buffer it is handed back (a transfer, as postMessage does), so a block reused too early would
// corrupt the output or throw; the oracle is the gzip program's input.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inflate } from '../format/container/inflate.ts';
import { parentSource } from './parent-reads.ts';
import { seeded } from './testing/seeded.ts';

describe('the file read by the decode worker, in blocks', { timeout: 60_000 }, () => {
  it('24 MiB of seeded bytes (seed 3), gzip -1: the stream whole, a request per 2 MiB block, blocks reused', async () => {
    const data = seeded(3, 24 << 20);
    const file = new Uint8Array(spawnSync('gzip', ['-1c'], { input: data, maxBuffer: 1 << 30 }).stdout);
    // A multiple of inflate's 1 MiB reads, as PARENT_BLOCK is.
    const block = 2 << 20;
    const asked: { offset: number; reused: boolean }[] = [];
    const source = parentSource(file.length, file.length, async (offset, length, buffer) => {
      asked.push({ offset, reused: buffer !== null });
      // What postMessage does to a transferred buffer: the sender's views of it go empty.
      const into = buffer ? structuredClone(buffer, { transfer: [buffer] }) : new ArrayBuffer(length);
      await new Promise((r) => setTimeout(r, 0));
      const got = new Uint8Array(into, 0, Math.min(length, file.length - offset));
      got.set(file.subarray(offset, offset + got.length));
      return got;
    }, block);
    const out: Uint8Array[] = [];
    const r = await inflate(source, 0, file.length, 'gzip', (c) => void out.push(c.slice()), { sliceSize: 16 << 10 });
    expect(r.problem).toBeUndefined();
    expect(Buffer.compare(Buffer.concat(out), data)).toBe(0);
    // One request per block, in order (the first block is asked once inflate's first read comes).
    expect(asked.map((a) => a.offset)).toEqual(Array.from({ length: Math.ceil(file.length / block) }, (_, i) => i * block));
    expect(asked.filter((a) => a.reused).length).toBeGreaterThan(asked.length / 2);
  });

  it('a file cut short: reads past what the parent had come back empty', async () => {
    const bytes = seeded(4, 100_000);
    const source = parentSource(bytes.length, 200_000, async (offset, length) => bytes.slice(offset, Math.min(bytes.length, offset + length)), 64 << 10);
    const first = await source.readInto!(0, new Uint8Array(64 << 10));
    expect(Buffer.compare(first, bytes.subarray(0, 64 << 10))).toBe(0);
    const second = await source.readInto!(64 << 10, new Uint8Array(64 << 10));
    expect(Buffer.compare(second, bytes.subarray(64 << 10))).toBe(0);
    expect((await source.readInto!(bytes.length, new Uint8Array(64 << 10))).length).toBe(0);
  });
});
