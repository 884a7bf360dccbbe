// Vitest setup: the worker fetches its description libraries from the page's origin; under Node
// there is none, so it reads the same packed files (public/library) from disk.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { setLibraryReader } from '../library-fetch.ts';

const DIR = new URL('../../../public/library/', import.meta.url);
setLibraryReader(async (file) => {
  const bytes = readFileSync(new URL(file, DIR));
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
});
