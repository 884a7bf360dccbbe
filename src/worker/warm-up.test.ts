import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blobSource } from '../format/byte-source.ts';
import { libraryFor, setLibraryReader } from './library-fetch.ts';
import { WARM_UP_SLICE, warmUp } from './warm-up.ts';
import { shelfFile } from '../format/library-load.ts';
import { readLibraryFromDisk } from './testing/library-setup.ts';

const fixture = (name: string) => new Blob([readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url))]);

describe('warm-up decode of the default sample', () => {
  it('decodes a real device-state file to the end', async () => {
    expect(await warmUp(fixture('q35-devstate.bin'), new AbortController().signal)).toBe('warmed');
  });

  it('stops when a request arrives, without decoding on', async () => {
    // Counts the reads of the sample; the abort comes with the first one.
    const counted = (onRead: () => void): Blob => {
      const blob = fixture('q35-migration.bin');
      const like = { size: blob.size, slice: (...a: Parameters<Blob['slice']>) => (onRead(), blob.slice(...a)) };
      return like as unknown as Blob;
    };
    let whole = 0;
    expect(await warmUp(counted(() => whole++), new AbortController().signal)).toBe('warmed');
    const stop = new AbortController();
    let stopped = 0;
    expect(await warmUp(counted(() => (stopped++, stop.abort())), stop.signal)).toBe('stopped');
    // Both passes read the header, the tail and the body: an ignored abort reads all of it again.
    expect(whole).toBeGreaterThanOrEqual(4);
    expect(stopped).toBeLessThan(whole / 2);
  });

  it('lets requests in while it decodes: its work takes turns with the task queue', async () => {
    // A ticker on the task queue stands for the open request's message (entry.ts): it runs only
    // between tasks. A sample decoded in one run of microtasks left it waiting for a whole pass
    // (one turn in all here, a 643 ms task at load 15 in Chromium); taking turns before every read
    // of WARM_UP_SLICE, it runs at least once per slice and pass, and no wait is more than a part
    // of the warm-up (a ratio of one run: load moves both alike).
    const sample = fixture('q35-devstate.bin');
    let last = performance.now();
    let longest = 0;
    let ticks = 0;
    let ticking = true;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
      if (ticking) setTimeout(() => channel.port2.postMessage(null), 1);
    };
    const t0 = performance.now();
    channel.port2.postMessage(null);
    const result = await warmUp(sample, new AbortController().signal);
    const total = performance.now() - t0;
    longest = Math.max(longest, performance.now() - last);
    ticking = false;
    channel.port1.close();
    expect(result).toBe('warmed');
    expect(ticks).toBeGreaterThanOrEqual(2 * Math.ceil(sample.size / WARM_UP_SLICE));
    expect(longest, `longest wait ${longest.toFixed(1)} ms of a ${total.toFixed(1)} ms warm-up`).toBeLessThan(total / 2);
  });

  // The page's first load may grow by 10% at most for the libraries (issue #12): the warm-up fetches
  // one file, its architecture's shelf with every version, and the first open of that architecture
  // fetches nothing more: its libraries are ready when it starts.
  it('fetches the shelf of the sample\'s architecture; the first open of that architecture fetches nothing more', async () => {
    const read: string[] = [];
    readLibraryFromDisk((file) => read.push(file));
    expect(await warmUp(fixture('q35-devstate.bin'), new AbortController().signal)).toBe('warmed');
    expect(read).toEqual(['index.json', shelfFile('x86_64')]);
    const lib = await libraryFor(blobSource(fixture('pc-devstate.bin')));
    expect(read).toEqual(['index.json', shelfFile('x86_64')]);
    // …and the library has every version's candidates.
    expect(new Set(lib.candidates('globalstate', 1).flatMap((c) => c.versions ?? []))).toEqual(new Set(['7.2', '10.0', '11.1']));
  });

  // A shelf that is not there (or not of the index's libraries) costs the first load one version file,
  // and the first open fetches the others.
  it('without a shelf, fetches one version file; the first open fetches only the others', async () => {
    const read: string[] = [];
    const DIR = new URL('../../public/library/', import.meta.url);
    setLibraryReader(async (file) => {
      read.push(file);
      const bytes = readFileSync(new URL(file, DIR));
      return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    });
    const x86 = (JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')).libraries as { arch: string; file: string }[]).filter((l) => l.arch === 'x86_64').map((l) => l.file);
    expect(x86.length).toBeGreaterThan(1);
    expect(await warmUp(fixture('q35-devstate.bin'), new AbortController().signal)).toBe('warmed');
    expect(read).toEqual(['index.json', x86[0]]);
    const lib = await libraryFor(blobSource(fixture('pc-devstate.bin')));
    expect(read.slice(2).sort()).toEqual(x86.slice(1).sort());
    expect(new Set(lib.candidates('globalstate', 1).flatMap((c) => c.versions ?? []))).toEqual(new Set(['7.2', '10.0', '11.1']));
    readLibraryFromDisk();
  });

  it('is harmless when the sample cannot be read', async () => {
    const unreadable = { size: 64, slice: () => { throw new Error('gone'); } } as unknown as Blob;
    expect(await warmUp(unreadable, new AbortController().signal)).toBe('failed');
  });
});
