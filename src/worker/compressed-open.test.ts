// The worker opens every compressed libvirt image (real libvirt 9.0 fixtures for gzip, bzip2, xz
// and lzop; zstd through the real zstd program, which libvirt 9.0 refuses) with the model of the
// stream the real decompressor gives, reports stream bytes produced in its progress events, keeps
// what came before a cut, and stops a decompression bomb with a problem at its offset.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compressWith, libvirtFixture, recompressedImage, streamStart } from '../format/testing/libvirt-fixtures.ts';
import { handle } from './handle.ts';
import type { OpenedFile, WorkerEvent } from './protocol.ts';
import { scanLikeWorker } from './test-support.ts';
import { Session } from './session.ts';

const UNPACK = { gzip: ['gzip', '-dc'], bzip2: ['bzip2', '-dc'], xz: ['xz', '-dc'], lzop: ['lzop', '-dc'], zstd: ['zstd', '-qdc'] } as const;
type Name = keyof typeof UNPACK;
const imageOf = (codec: Name) => (codec === 'zstd' ? recompressedImage('zstd') : libvirtFixture(`${codec}.sav`));

/** Opens `bytes` in a fresh session; the reply and the progress events on the way. */
async function open(bytes: Uint8Array, name: string): Promise<{ f: OpenedFile; events: WorkerEvent[] }> {
  const events: WorkerEvent[] = [];
  let f: OpenedFile | undefined;
  await handle(new Session(), 1, { type: 'open', file: new Blob([bytes as Uint8Array<ArrayBuffer>]), name }, (m) => {
    if (m.kind === 'event') events.push(m.event);
    else if (!m.ok) throw new Error(m.error.message);
    else f = m.value as OpenedFile;
  });
  return { f: f!, events };
}

describe('compressed libvirt images in the worker', { timeout: 60_000 }, () => {
  // qa10b: a bare stream compressed by the real gzip (`migrate "exec:gzip -c > vm.gz"`) said only
  // "found 1f 8b"; the page's problem now names the compressor and the command (compressed-hint.ts).
  it('a gzip-compressed bare stream: its problem gives the command that decompresses it', async () => {
    const stream = libvirtFixture('raw.sav');
    const gz = new Uint8Array(spawnSync('gzip', ['-c'], { input: stream.subarray(streamStart(stream)), maxBuffer: 1 << 30 }).stdout);
    const { f } = await open(gz, 'vm.gz');
    expect(f.container).toBeFalsy();
    expect(f.model.problems.map((p) => p.message)).toEqual([expect.stringMatching(/found 1f 8b .*; it is a gzip-compressed file .*`gzip -dc vm\.gz > vm\.bin`, and open that$/)]);
  });

  it.each(Object.keys(UNPACK) as Name[])('%s: the model of the stream the real decompressor gives; progress counts stream bytes', async (codec) => {
    const image = imageOf(codec);
    const [cmd, ...args] = UNPACK[codec];
    const real = new Uint8Array(spawnSync(cmd, args, { input: image.subarray(streamStart(image)), maxBuffer: 1 << 30 }).stdout);
    expect(real.subarray(0, 4)).toEqual(new Uint8Array([0x51, 0x45, 0x56, 0x4d]));
    const { f, events } = await open(image, `${codec}.sav`);
    expect(f.model).toEqual((await scanLikeWorker(real)).model);
    expect(f.container!.inner.codec).toBe(codec);
    expect(f.container!.streamSize).toBe(real.length);
    expect(f.container!.problems).toEqual([]);
    const last = events.filter((e) => e.type === 'progress' && e.produced !== undefined).at(-1);
    expect(last).toMatchObject({ scanned: image.length - streamStart(image), produced: real.length });
  });

  it.each(Object.keys(UNPACK) as Name[])('%s cut short: a truncation problem at the cut, what came before kept', async (codec) => {
    const image = imageOf(codec);
    const cut = streamStart(image) + Math.floor((image.length - streamStart(image)) * 0.6);
    const { f } = await open(image.subarray(0, cut), `cut-${codec}.sav`);
    expect(f.container!.problems[0]).toMatchObject({ code: 'truncated', offset: cut });
    expect(f.container!.problems[0].message).toMatch(new RegExp(`after ${f.container!.streamSize} decompressed bytes, stream offset ${f.container!.streamSize}`));
    // bzip2 decodes whole 900 kB blocks and this stream is one: nothing of it survives a cut.
    if (codec === 'bzip2') return expect(f.container!.streamSize).toBe(0);
    // Every record that ends before the cut is the full stream's record, unchanged.
    const whole = (await open(image, `${codec}.sav`)).f.model.records;
    const kept = f.model.records.filter((r) => r.offset + r.size < f.container!.streamSize!);
    expect(kept.length).toBeGreaterThan(2);
    expect(kept).toEqual(whole.slice(0, kept.length));
  });

  it('a zstd bomb (zeros after the stream start) stops at a thousandfold expansion with its offset', async () => {
    const raw = libvirtFixture('raw.sav');
    const start = streamStart(raw);
    // zstd frames concatenate: the stream's first 4 KiB, then one real frame of 8 MiB of zeros 13 times.
    const zeros = compressWith('zstd', new Uint8Array(8 << 20));
    const body = new Uint8Array(Buffer.concat([compressWith('zstd', raw.subarray(start, start + 4096)), ...Array(13).fill(zeros)]));
    const head = raw.slice(0, start);
    new DataView(head.buffer).setUint32(28, 5, true);
    const { f } = await open(new Uint8Array(Buffer.concat([head, body])), 'bomb.sav');
    const p = f.container!.problems.find((x) => x.code === 'limit')!;
    expect(p.message).toMatch(/at most 1000 times expansion.*stopped at stream offset \d+/);
    expect(p.offset).toBeGreaterThan(start);
    expect(p.offset).toBeLessThanOrEqual(start + body.length);
    expect(f.container!.streamSize).toBeLessThan(100 << 20);
  });
});
