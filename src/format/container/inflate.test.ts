// inflate's limits on real compressor output: the spill's room (the storage quota), a spill that
// refuses a write (QuotaExceededError), Cancel, and a corrupt block reported at its file offset,
// each keeping what was written before it.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { CancelledError } from '../errors.ts';
import { compressWith, libvirtFixture, streamStart } from '../testing/libvirt-fixtures.ts';
import { inflate } from './inflate.ts';

const raw = libvirtFixture('raw.sav');
const stream = raw.subarray(streamStart(raw));
const HEAD = 1000; // the compressed data sits after 1000 other bytes, as in an image
const image = (codec: 'gzip' | 'zstd' | 'lzop') => {
  const body = compressWith(codec, stream);
  const out = new Uint8Array(HEAD + body.length);
  out.set(body, HEAD);
  return { src: memorySource(out), size: body.length };
};

describe('inflate limits', () => {
  it('stops at the room the storage quota leaves, saying so, with the bytes before it written', async () => {
    const { src, size } = image('zstd');
    let written = 0;
    const r = await inflate(src, HEAD, size, 'zstd', (c) => void (written += c.length), { limits: { maxBytes: 300_000 } });
    expect(r.problem).toMatchObject({ code: 'limit' });
    expect(r.problem!.message).toMatch(/room for the decompressed stream: the storage quota leaves 300000 bytes.*stopped at stream offset \d+/);
    expect(written).toBe(r.produced);
    expect(written).toBeLessThanOrEqual(300_000);
    expect(written).toBeGreaterThan(0);
  });

  it('a spill that refuses a write (the quota) is a limit problem, not a crash', async () => {
    const { src, size } = image('gzip');
    let written = 0;
    const r = await inflate(src, HEAD, size, 'gzip', (c) => {
      if (written > 150_000) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      written += c.length;
    });
    expect(r.problem).toMatchObject({ code: 'limit' });
    expect(r.problem!.message).toMatch(/room for the decompressed stream: The quota has been exceeded/);
  });

  it('a sink writing in the background whose write failed (drain rejects) is a limit problem', async () => {
    const { src, size } = image('zstd');
    let written = 0;
    const r = await inflate(src, HEAD, size, 'zstd', (c) => void (written += c.length), {
      sliceSize: 4096,
      drain: async () => {
        if (written > 100_000) throw new Error('ENOSPC: no space left on device');
      },
    });
    expect(r.problem).toMatchObject({ code: 'limit' });
    expect(r.problem!.message).toMatch(/room for the decompressed stream: ENOSPC: no space left on device \(stopped at stream offset \d+/);
    expect(r.produced).toBe(written);
    expect(written).toBeLessThan(stream.length);
  });

  it('Cancel ends the run with CancelledError', async () => {
    const { src, size } = image('lzop');
    const abort = new AbortController();
    const run = inflate(src, HEAD, size, 'lzop', () => abort.abort(), { signal: abort.signal, sliceSize: 4096 });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('a corrupt lzop block is reported at its file offset, after the blocks before it', async () => {
    const { src, size } = image('lzop');
    const bytes = await src.read(0, src.size);
    // The second block's data (the first block decompresses to 256 KiB; this stream is 2 blocks).
    const copy = bytes.slice();
    copy[copy.length - 200] ^= 0x55;
    let written = 0;
    const r = await inflate(memorySource(copy), HEAD, size, 'lzop', (c) => void (written += c.length));
    expect(r.problem).toMatchObject({ code: 'bad-compressed' });
    expect(r.problem!.offset).toBeGreaterThan(HEAD);
    expect(r.problem!.offset).toBeLessThan(HEAD + size);
    expect(written).toBe(256 << 10);
  });
});
