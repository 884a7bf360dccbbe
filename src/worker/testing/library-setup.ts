// Vitest setup: the worker fetches its description libraries from the page's origin; under Node
// there is none, so it reads the same packed files (public/library) from disk.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { setLibraryReader } from '../library-fetch.ts';

const DIR = new URL('../../../public/library/', import.meta.url);

/** A file of public/library as the worker gets it (gunzipped); `seen` is told each file read. */
export function diskLibraryBytes(seen?: (file: string) => void): (file: string) => Promise<Uint8Array> {
  return async (file) => {
    seen?.(file);
    const bytes = readFileSync(new URL(file, DIR));
    return new Uint8Array(file.endsWith('.gz') ? gunzipSync(bytes) : bytes);
  };
}

/** setLibraryReader's pair over the disk: text files and the shelves' bytes. */
export function readLibraryFromDisk(seen?: (file: string) => void): void {
  const bytes = diskLibraryBytes(seen);
  setLibraryReader(async (file) => Buffer.from(await bytes(file)).toString('utf8'), bytes);
}

readLibraryFromDisk();
