// Sources and the window reader over them: every way of reading a file must hand the decoders
// the same bytes. Node's Blob has BYOB streams like Chromium's, so the worker's path runs here.
import { describe, expect, it } from 'vitest';
import { SequentialBlobReader } from './blob-stream.ts';
import { blobSource, memorySource, STREAM_FROM, subSource, type ByteSource } from './byte-source.ts';
import type { Change } from './edit/change.ts';
import { editedSource } from './edit/piece-table.ts';
import { scanStream } from './scan.ts';
import { fixtureBytes, prng } from './testing/fixtures.ts';
import { WindowReader } from './window-reader.ts';

const patterned = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

/** Only readInto, so a test sees which path a reader took. */
function readIntoOnly(source: ByteSource): ByteSource {
  return { size: source.size, read: () => Promise.reject(new Error('read() used')), readInto: source.readInto!.bind(source) };
}

describe('blobSource.readInto (a BYOB stream over the Blob)', () => {
  const bytes = patterned(300_000);

  it('reads sequential slices, seeks back and forth, and stops at the end', async () => {
    const src = blobSource(blobOf(bytes), 0);
    const plan = [[0, 70_000], [70_000, 70_000], [140_000, 1], [5, 10], [299_990, 100], [200_000, 100_000], [300_000, 10]];
    for (const [offset, length] of plan) {
      const got = await src.readInto!(offset, new Uint8Array(length));
      expect(got).toEqual(bytes.subarray(offset, offset + length));
    }
  });

  it('keeps the target offset inside its buffer and returns the whole buffer moved', async () => {
    const src = blobSource(blobOf(bytes), 0);
    const buf = new Uint8Array(1000).fill(0xee);
    const target = buf.subarray(100, 600);
    const got = await src.readInto!(1234, target);
    expect(got.byteOffset).toBe(100);
    expect(got.buffer.byteLength).toBe(1000);
    expect(got).toEqual(bytes.subarray(1234, 1734));
    // Bytes around the target are the caller's and stay as they were.
    expect(new Uint8Array(got.buffer, 0, 100).every((b) => b === 0xee)).toBe(true);
    expect(new Uint8Array(got.buffer, 600).every((b) => b === 0xee)).toBe(true);
  });

  it('runs overlapping calls one after another, in order', async () => {
    const src = blobSource(blobOf(bytes), 0);
    const asks = [0, 50_000, 10, 100_000].map((o) => src.readInto!(o, new Uint8Array(40_000)).then((v) => [o, v] as const));
    for (const [o, v] of await Promise.all(asks)) expect(v).toEqual(bytes.subarray(o, o + 40_000));
  });
});

/** A Blob-like whose stream yields `chunk` bytes every `everyMs` (never, with everyMs Infinity). */
function tricklingBlob(size: number, chunk: number, everyMs: number): Blob {
  let given = 0;
  const stream = () =>
    new ReadableStream({
      type: 'bytes',
      async pull(c) {
        if (!Number.isFinite(everyMs)) return new Promise<void>(() => {});
        await new Promise((r) => setTimeout(r, everyMs));
        const n = Math.min(chunk, size - given);
        c.enqueue(new Uint8Array(n).fill(7));
        given += n;
        if (given >= size) c.close();
      },
    });
  const blob = { size, slice: () => blob, stream };
  return blob as unknown as Blob;
}

describe('SequentialBlobReader on a stalled stream', () => {
  it('fails naming the byte it waited for once no data came for the stall time', async () => {
    const reader = new SequentialBlobReader(tricklingBlob(1000, 100, Infinity), 40);
    await expect(reader.readInto(0, new Uint8Array(500))).rejects.toThrow(/stalled at byte 0: no data for 0.04 s/);
  });

  it('keeps waiting while data trickles in, however long the whole read takes', async () => {
    // 10 chunks, 15 ms apart: 150 ms in all, far beyond the 60 ms stall time.
    const reader = new SequentialBlobReader(tricklingBlob(1000, 100, 15), 60);
    const got = await reader.readInto(0, new Uint8Array(1000));
    expect(got.length).toBe(1000);
    expect(got.every((b) => b === 7)).toBe(true);
  });
});

describe('Blob slice reads that never answer', () => {
  it('fail naming the bytes asked for, instead of waiting forever', async () => {
    const silent = { size: 1000, slice: () => ({ arrayBuffer: () => new Promise<ArrayBuffer>(() => {}) }) } as unknown as Blob;
    const src = blobSource(silent, STREAM_FROM, 40);
    await expect(src.read(100, 50)).rejects.toThrow('reading bytes 100-150 of the file: no data for 0.04 s');
    await expect(src.readInto!(0, new Uint8Array(10))).rejects.toThrow(/reading bytes 0-10 /);
  });
});

describe('blobSource below STREAM_FROM', () => {
  it('reads slices into the target, which stays attached', async () => {
    const bytes = patterned(5000);
    const target = new Uint8Array(100);
    const got = await blobSource(blobOf(bytes)).readInto!(4950, target);
    expect(got).toEqual(bytes.subarray(4950));
    expect(got.buffer).toBe(target.buffer);
  });
});

describe('readInto through sub-sources and edited files', () => {
  const bytes = patterned(100_000);

  it('subSource shifts and clips', async () => {
    const sub = subSource(blobSource(blobOf(bytes), 0), 1000, 5000);
    expect(await sub.readInto!(4000, new Uint8Array(3000))).toEqual(bytes.subarray(5000, 6000));
  });

  it('editedSource.readInto gives what editedSource.read gives', async () => {
    const actions: Change[] = [
      { kind: 'raw', label: 'a', warnings: [], splices: [{ offset: 10, removed: bytes.slice(10, 14), inserted: new Uint8Array([1, 2]) }] },
      { kind: 'raw', label: 'b', warnings: [], splices: [{ offset: 70_000, removed: new Uint8Array(0), inserted: new Uint8Array(3000).fill(9) }] },
    ];
    const viaBlob = editedSource(blobSource(blobOf(bytes), 0), actions);
    const viaMemory = editedSource(memorySource(bytes), actions);
    expect(viaBlob.size).toBe(viaMemory.size);
    for (const [o, n] of [[0, 20], [5, 69_999], [69_990, 4000], [viaMemory.size - 7, 100]]) {
      expect(await viaBlob.readInto!(o, new Uint8Array(n))).toEqual(await viaMemory.read(o, n));
    }
  });
});

describe('WindowReader over readInto', () => {
  it('serves random windows identical to the bytes, slices reused across moved buffers', async () => {
    const bytes = patterned(200_000);
    const reader = new WindowReader(readIntoOnly(blobSource(blobOf(bytes), 0)), 16 * 1024);
    const next = prng(7);
    let offset = 0;
    for (let i = 0; i < 300; i++) {
      offset = next() < 0.8 ? Math.min(bytes.length - 1, offset + Math.floor(next() * 9000)) : Math.floor(next() * bytes.length);
      const min = 1 + Math.floor(next() * (next() < 0.05 ? 40_000 : 64));
      const w = await reader.at(offset, min);
      const have = Math.min(min, bytes.length - offset);
      expect(w.base).toBeLessThanOrEqual(offset);
      expect(w.bytes.subarray(offset - w.base, offset - w.base + have)).toEqual(bytes.subarray(offset, offset + have));
    }
  });
});

describe('a scan over a real file reads the same through every source', () => {
  it.each(['q35-migration.bin', 'pc-ram-migration.bin'])('%s: Blob stream with small slices = memory', async (name) => {
    const bytes = fixtureBytes(name);
    const strip = (m: object) => JSON.parse(JSON.stringify(m, (_, v) => (v instanceof Uint8Array ? [...v] : v)));
    const fromMemory = (await scanStream(memorySource(bytes))).model;
    const blob = blobSource(blobOf(bytes), 0);
    let streamed = 0;
    const counted: ByteSource = { size: blob.size, read: blob.read, readInto: (o, t) => ((streamed += t.length), blob.readInto!(o, t)) };
    const fromBlob = (await scanStream(counted, { sliceSize: 64 * 1024 })).model;
    expect(fromMemory.problems).toEqual([]);
    expect(streamed).toBeGreaterThan(bytes.length * 0.9);
    expect(strip(fromBlob)).toEqual(strip(fromMemory));
  });
});
