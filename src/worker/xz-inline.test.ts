// xz decompresses in the decode worker itself (container-open.ts NESTED_CODECS: nested, it
// measured slower). xz-decompress lets one stream decode at a time per realm (a lock taken at
// its stream's start, released at its end, error or cancel); a nested worker was terminated
// after each open, but the decode worker lives on, so an open that stops early must leave the
// next xz open free to run. The oracle is the real `xz -dc`.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../format/errors.ts';
import { compressWith, libvirtFixture, streamStart } from '../format/testing/libvirt-fixtures.ts';
import { openContainer } from './container-open.ts';
import { seeded } from './testing/seeded.ts';

const real = (image: Uint8Array) => new Uint8Array(spawnSync('xz', ['-dc'], { input: image.subarray(streamStart(image)), maxBuffer: 1 << 30 }).stdout);
const blob = (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]);

/** The xz fixture's libvirt header around `stream` compressed by the real xz: a larger image, read in many slices. */
function xzImage(stream: Uint8Array): Uint8Array {
  const fixture = libvirtFixture('xz.sav');
  const head = fixture.subarray(0, streamStart(fixture));
  const body = compressWith('xz', stream);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

afterEach(() => vi.unstubAllGlobals());

describe('xz in the decode worker', { timeout: 60_000 }, () => {
  it('an xz image starts no nested worker and gives the stream xz -dc gives', async () => {
    let spawned = 0;
    vi.stubGlobal('Worker', class {
      constructor() {
        spawned++;
        throw new Error('no nested worker expected for xz');
      }
    });
    const image = libvirtFixture('xz.sav');
    const opened = await openContainer(blob(image));
    expect(spawned).toBe(0);
    expect(Buffer.compare(new Uint8Array(await opened.inner.arrayBuffer()), real(image))).toBe(0);
    await opened.close();
  });

  it('an xz open cancelled midway, then a corrupt one, leave the next xz open free to decode', async () => {
    const big = xzImage(seeded(7, 4 << 20));
    const abort = new AbortController();
    let progress = 0;
    const cancelled = openContainer(blob(big), { signal: abort.signal, onProgress: (_c, _t, produced) => produced > 0 && ++progress === 2 && abort.abort() });
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(progress).toBe(2);

    const corrupt = big.slice();
    corrupt.fill(0x55, streamStart(corrupt) + 64 * 1024, streamStart(corrupt) + 96 * 1024);
    const bad = await openContainer(blob(corrupt));
    expect(bad.info!.problems.map((p) => p.message).join('; ')).toMatch(/xz/);
    await bad.close();

    const image = libvirtFixture('xz.sav');
    const next = await openContainer(blob(image));
    expect(Buffer.compare(new Uint8Array(await next.inner.arrayBuffer()), real(image))).toBe(0);
    await next.close();
  });
});
