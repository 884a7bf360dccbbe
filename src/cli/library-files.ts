// The CLI's description libraries: the same packed files the page fetches (public/library, made by
// scripts/pack-vmdesc-library.mjs), read from disk and gunzipped with node:zlib.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { loadLibraries, type LibraryIndex } from '../format/library-load.ts';
import { publicDir } from './public-dir.ts';

let all: Promise<DescriptionLibrary> | undefined;

/** Every version and architecture: the CLI decodes files of any (under 100 KB of gzip in all). */
export function diskLibrary(): Promise<DescriptionLibrary> {
  all ??= (async () => {
    const dir = publicDir('library', 'index.json');
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as LibraryIndex;
    return loadLibraries(index, null, async (file) => gunzipSync(readFileSync(join(dir, file))).toString('utf8'));
  })();
  return all;
}
