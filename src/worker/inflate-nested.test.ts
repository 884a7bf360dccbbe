// The nested decompression worker's protocol, run over a real MessageChannel (Node's ports
// transfer ArrayBuffers and clone Blobs as a browser's do): the stream the real decompressor
// gives, bounded batches in flight while the writer is slow, a cut stream's problem at its
// offset, Cancel, a worker that fails before or during its output, and the open itself going
// through a nested worker (a stand-in for `Worker` that serves the same code on a port).
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../format/errors.ts';
import { decoderFor } from '../format/container/codecs/decoder.ts';
import { compressWith, libvirtFixture, recompressedImage, streamStart } from '../format/testing/libvirt-fixtures.ts';
import { openContainer } from './container-open.ts';
import { inflateNested, NESTED_SLICE, NestedUnavailable, serveInflate, type FromNested, type InflateJob, type NestedWorker } from './inflate-nested.ts';
import { seeded } from './testing/seeded.ts';

const UNPACK = { gzip: ['gzip', '-dc'], xz: ['xz', '-dc'], zstd: ['zstd', '-qdc'] } as const;
type Name = keyof typeof UNPACK;
const imageOf = (codec: Name) => (codec === 'zstd' ? recompressedImage('zstd') : libvirtFixture(`${codec}.sav`));
const realStream = (codec: Name, image: Uint8Array) =>
  new Uint8Array(spawnSync(UNPACK[codec][0], UNPACK[codec].slice(1), { input: image.subarray(streamStart(image)), maxBuffer: 1 << 30 }).stdout);

/** A nested worker on a MessageChannel; `ackDelayMs` holds back each acknowledgement (a slow spill). */
function channelWorker(ackDelayMs = 0) {
  const { port1, port2 } = new MessageChannel();
  serveInflate(port2 as unknown as NestedWorker);
  const stats = { unacked: 0, maxUnacked: 0, batches: 0, lengths: [] as number[], terminated: false };
  const w: NestedWorker = {
    onmessage: null, onerror: null, onmessageerror: null,
    postMessage(m: { type: string }, transfer: Transferable[]) {
      if (m.type !== 'ack') return port1.postMessage(m, transfer);
      setTimeout(() => {
        stats.unacked--;
        port1.postMessage(m, transfer);
      }, ackDelayMs);
    },
    terminate() {
      stats.terminated = true;
      // A terminated thread stops decoding: here the served side is cancelled, or a run left
      // waiting would keep the xz decoder's one WebAssembly instance from later runs.
      (port2 as unknown as NestedWorker).onmessage?.({ data: { type: 'cancel' } } as MessageEvent);
      port1.close();
      port2.close();
    },
  };
  port1.onmessage = (e: MessageEvent<FromNested>) => {
    if (e.data.type === 'data') {
      stats.batches++;
      stats.lengths.push(e.data.length);
      stats.maxUnacked = Math.max(stats.maxUnacked, ++stats.unacked);
    }
    w.onmessage?.(e);
  };
  return { w, stats };
}

const jobOf = (image: Uint8Array, codec: Name, extra: Partial<InflateJob> = {}): InflateJob => {
  const offset = streamStart(image);
  return { file: new Blob([image as Uint8Array<ArrayBuffer>]), offset, size: image.length - offset, codec, ...extra };
};

/** Runs a job, gathering what the writer is given. */
async function gather(w: NestedWorker, job: InflateJob, signal?: AbortSignal) {
  const parts: Uint8Array[] = [];
  const r = await inflateNested(w, job, (c) => void parts.push(c.slice()), { signal });
  return { r, out: new Uint8Array(Buffer.concat(parts)) };
}

afterEach(() => vi.unstubAllGlobals());

describe('decompression in a nested worker', { timeout: 60_000 }, () => {
  it.each(Object.keys(UNPACK) as Name[])('%s: the stream the real decompressor gives, in batches, and the worker ends', async (codec) => {
    const image = imageOf(codec);
    const real = realStream(codec, image);
    const { w, stats } = channelWorker();
    const { r, out } = await gather(w, jobOf(image, codec, { batch: 4 << 10 }));
    expect(r.problem).toBeUndefined();
    expect(r.produced).toBe(real.length);
    expect(Buffer.compare(out, real)).toBe(0);
    // gzip's batches are its decoder's own pieces, moved whole: each at least a batch but the last.
    if (codec === 'gzip') expect(stats.lengths.slice(0, -1).every((n) => n >= 4 << 10)).toBe(true);
    else expect(stats.batches).toBe(Math.ceil(real.length / (4 << 10)));
    expect(stats.terminated).toBe(true);
  });

  it.each(Object.keys(UNPACK) as Name[])('%s, 8 MiB of seeded random bytes (seed 11): at most depth batches plus one push\'s output unacknowledged while the writer lags', async (codec) => {
    const data = seeded(11, 8 << 20);
    const compressed = compressWith(codec, data, [codec === 'xz' ? '-0' : '-1']);
    const batch = 128 << 10;
    const slice = await decoderFor(codec, () => undefined).then(async (d) => (await d.cancel(), d.slice));
    const { w, stats } = channelWorker(1);
    const { r, out } = await gather(w, { file: new Blob([compressed as Uint8Array<ArrayBuffer>]), offset: 0, size: compressed.length, codec, batch, depth: 2 });
    expect(r.problem).toBeUndefined();
    expect(Buffer.compare(out, data)).toBe(0);
    // Without back-pressure every batch (64) would be in flight at once behind the slow writer.
    expect(stats.batches).toBe(64);
    expect(stats.maxUnacked).toBeLessThanOrEqual(2 + Math.ceil(slice / batch) + 1);
  });

  it('a cut gzip stream: the truncation problem at the cut, the output before it kept', async () => {
    const image = imageOf('gzip');
    const cut = streamStart(image) + Math.floor((image.length - streamStart(image)) * 0.6);
    const real = realStream('gzip', image);
    const { r, out } = await gather(channelWorker().w, jobOf(image.subarray(0, cut), 'gzip', { batch: 64 << 10 }));
    expect(r.problem).toMatchObject({ code: 'truncated', offset: cut });
    expect(out.length).toBe(r.produced);
    expect(r.produced).toBeGreaterThan(0);
    expect(Buffer.compare(out, real.subarray(0, out.length))).toBe(0);
  });

  it('a zstd bomb stops in the nested worker with its limit problem; what was sent is what it counts, in bounded batches', async () => {
    const raw = libvirtFixture('raw.sav');
    const start = streamStart(raw);
    const zeros = compressWith('zstd', new Uint8Array(8 << 20));
    const body = new Uint8Array(Buffer.concat([compressWith('zstd', raw.subarray(start, start + 4096)), ...Array(13).fill(zeros)]));
    const { w, stats } = channelWorker(1);
    let written = 0;
    const r = await inflateNested(w, { file: new Blob([body]), offset: 0, size: body.length, codec: 'zstd', depth: 2 }, (c) => void (written += c.length));
    expect(r.problem?.code).toBe('limit');
    expect(r.problem!.message).toMatch(/at most 1000 times expansion per push.*stopped at stream offset \d+/);
    expect(r.produced).toBe(written);
    // A push emits its output at once: what waits is bounded by 1000 times the push (plus the
    // depth's batches and the one being filled), not by the stream; unbounded, 13 frames of 8 MiB
    // came out of the first push whole.
    expect(stats.maxUnacked * (1 << 20)).toBeLessThanOrEqual(1000 * NESTED_SLICE + (2 + 1) * (1 << 20));
    expect(written).toBeLessThan(13 * (8 << 20));
  });

  it('gzip bytes called xz: a corrupt-stream problem at the stream\'s start, nothing written', async () => {
    const image = imageOf('gzip');
    const { r, out } = await gather(channelWorker().w, jobOf(image, 'xz'));
    expect(r.problem).toMatchObject({ code: 'bad-compressed' });
    expect(r.problem!.offset).toBeGreaterThanOrEqual(streamStart(image));
    expect(r.problem!.offset).toBeLessThanOrEqual(image.length);
    expect(out.length).toBe(0);
  });

  it('Cancel rejects with CancelledError and terminates the nested worker', async () => {
    const { w, stats } = channelWorker(50);
    const abort = new AbortController();
    const image = imageOf('xz');
    const run = inflateNested(w, jobOf(image, 'xz', { batch: 16 << 10, depth: 1 }), () => abort.abort(), { signal: abort.signal });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(stats.terminated).toBe(true);
  });

  it('a worker that fails before its first output is NestedUnavailable; one that fails later names where it stopped', async () => {
    const silent: NestedWorker = { onmessage: null, onerror: null, onmessageerror: null, postMessage() {}, terminate() {} };
    const first = inflateNested(silent, jobOf(imageOf('gzip'), 'gzip'), () => undefined);
    silent.onerror!(new Event('error'));
    await expect(first).rejects.toBeInstanceOf(NestedUnavailable);
    const { w } = channelWorker();
    let writes = 0;
    const later = inflateNested(w, jobOf(imageOf('xz'), 'xz', { batch: 64 << 10 }), () => {
      if (++writes === 3) queueMicrotask(() => w.onerror!(new Event('error')));
    });
    await expect(later).rejects.toThrow(/decompression worker failed at compressed byte \d+, stream offset 196608/);
  });

  it('the open through a nested worker stops at the storage quota\'s room (known only once the spill is open) with its problem, the stream before it kept', async () => {
    let spawned = 0;
    vi.stubGlobal('Worker', class {
      constructor() {
        spawned++;
        // Batches of 64 KiB (the open's own are 1 MiB, larger than this whole stream), so some
        // fit in the room and are kept.
        const { w } = channelWorker();
        const post = w.postMessage.bind(w);
        w.postMessage = (m: { type: string; job?: InflateJob }, transfer) => post(m.type === 'start' ? { ...m, job: { ...m.job!, batch: 64 << 10 } } : m, transfer);
        return w;
      }
    });
    // An OPFS whose quota leaves 200,000 bytes (spill.ts keeps 64 MiB aside).
    const stored = { bytes: new Uint8Array(1 << 20), size: 0 };
    const sync = {
      write: (b: Uint8Array, { at }: { at: number }) => (stored.bytes.set(b, at), (stored.size = Math.max(stored.size, at + b.length)), b.length),
      flush() {},
      close() {},
    };
    const handle = { createSyncAccessHandle: async () => sync, getFile: async () => new Blob([stored.bytes.slice(0, stored.size)]) };
    const root = { getFileHandle: async () => handle, removeEntry: async () => undefined };
    vi.stubGlobal('navigator', { storage: { getDirectory: async () => root, estimate: async () => ({ quota: (64 << 20) + 200_000, usage: 0 }) } });
    const image = imageOf('zstd');
    const real = realStream('zstd', image);
    const opened = await openContainer(new Blob([image as Uint8Array<ArrayBuffer>]));
    expect(spawned).toBe(1);
    const p = opened.info!.problems.find((x) => x.code === 'limit')!;
    expect(p.message).toMatch(/room for the decompressed stream: the storage quota leaves 200000 bytes and the stream is larger \(stopped at stream offset \d+/);
    expect(opened.info!.streamSize).toBeLessThanOrEqual(200_000);
    expect(opened.info!.streamSize).toBeGreaterThan(0);
    const kept = new Uint8Array(await opened.inner.arrayBuffer());
    expect(kept.length).toBe(opened.info!.streamSize);
    expect(Buffer.compare(kept, real.subarray(0, kept.length))).toBe(0);
  });

  it('the nested worker starts while the sniff reads the XML when the header declares zstd: the one worker of the open, ended when the data is raw', async () => {
    const spawned: { terminated: boolean }[] = [];
    vi.stubGlobal('Worker', class {
      constructor() {
        const { w, stats } = channelWorker();
        spawned.push(stats);
        return w;
      }
    });
    const image = imageOf('zstd');
    const opened = await openContainer(new Blob([image as Uint8Array<ArrayBuffer>]));
    expect(Buffer.compare(new Uint8Array(await opened.inner.arrayBuffer()), realStream('zstd', image))).toBe(0);
    expect(spawned.map((s) => s.terminated)).toEqual([true]);
    // raw.sav's header saying zstd (format 5) over its raw stream: the sniff finds no zstd frame.
    const raw = libvirtFixture('raw.sav').slice();
    new DataView(raw.buffer).setUint32(28, 5, true);
    const rawOpen = await openContainer(new Blob([raw as Uint8Array<ArrayBuffer>]));
    expect(rawOpen.info?.inner.codec).toBe('raw');
    expect(spawned.map((s) => s.terminated)).toEqual([true, true]);
  });

  it('the open decompresses zstd through a nested worker when `Worker` exists, gzip and xz in its own, and falls back when the nested one fails to start', async () => {
    const image = imageOf('zstd');
    const real = realStream('zstd', image);
    let spawned = 0;
    vi.stubGlobal('Worker', class {
      constructor() {
        spawned++;
        return channelWorker().w;
      }
    });
    const nested = await openContainer(new Blob([image as Uint8Array<ArrayBuffer>]));
    expect(spawned).toBe(1);
    expect(Buffer.compare(new Uint8Array(await nested.inner.arrayBuffer()), real)).toBe(0);
    for (const codec of ['gzip', 'xz'] as const) {
      const other = imageOf(codec);
      const inline = await openContainer(new Blob([other as Uint8Array<ArrayBuffer>]));
      expect(spawned).toBe(1); // gzip and xz decode in this worker (container-open.ts NESTED_CODECS)
      expect(Buffer.compare(new Uint8Array(await inline.inner.arrayBuffer()), realStream(codec, other))).toBe(0);
    }
    vi.stubGlobal('Worker', class {
      constructor() {
        spawned++;
        const w: NestedWorker = { onmessage: null, onerror: null, onmessageerror: null, postMessage: () => queueMicrotask(() => w.onerror!(new Event('error'))), terminate() {} };
        return w;
      }
    });
    const fallback = await openContainer(new Blob([image as Uint8Array<ArrayBuffer>]));
    expect(spawned).toBe(2);
    expect(Buffer.compare(new Uint8Array(await fallback.inner.arrayBuffer()), real)).toBe(0);
  });
});
