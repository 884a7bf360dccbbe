import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blobSource } from '../format/byte-source.ts';
import { libraryFor, setLibraryReader } from './library-fetch.ts';
import { warmUp } from './warm-up.ts';

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

  // The page's first load may grow by 10% at most for the libraries (issue #12): the warm-up fetches
  // one file, and the first open fetches the other versions of that architecture, not that one again.
  it('fetches one library file; the first open of the same architecture fetches only the others', async () => {
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
    // …and the merged library has every version's candidates.
    expect(new Set(lib.candidates('globalstate', 1).flatMap((c) => c.versions ?? []))).toEqual(new Set(['7.2', '10.0', '11.1']));
  });

  it('is harmless when the sample cannot be read', async () => {
    const unreadable = { size: 64, slice: () => { throw new Error('gone'); } } as unknown as Blob;
    expect(await warmUp(unreadable, new AbortController().signal)).toBe('failed');
  });
});
