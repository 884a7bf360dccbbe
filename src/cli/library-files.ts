// The CLI's description libraries: the same packed files the page fetches (public/library, made by
// scripts/pack-vmdesc-library.mjs), read from disk and gunzipped with node:zlib.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { loadLibraries, type LibraryIndex } from '../format/library-load.ts';

const DIR = new URL('../../public/library/', import.meta.url);
let all: Promise<DescriptionLibrary> | undefined;

/** Every version and architecture: the CLI decodes files of any (75 KB of gzip in all). */
export function diskLibrary(): Promise<DescriptionLibrary> {
  all ??= (async () => {
    const index = JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as LibraryIndex;
    return loadLibraries(index, null, async (file) => gunzipSync(readFileSync(new URL(file, DIR))).toString('utf8'));
  })();
  return all;
}
