// The worker's description libraries: fetched from the same origin (public/library, packed by
// scripts/pack-vmdesc-library.mjs) when a file needs them, gunzipped with DecompressionStream,
// and kept per architecture for the rest of the session. Before this the 7.2 library (650 KB of
// JSON) was part of the worker bundle.

import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { ARCH_PROBE_BYTES, filesFor, guessArch, type LibraryIndex } from '../format/library-load.ts';
import { createLibrary, type LibraryJson } from '../format/library.ts';

const BASE = `${import.meta.env?.BASE_URL ?? '/'}library/`;
const cache = new Map<string, Promise<DescriptionLibrary>>();
let index: Promise<LibraryIndex> | undefined;

async function fetchOk(file: string): Promise<Response> {
  const res = await fetch(new URL(BASE + file, self.location.href));
  if (!res.ok) throw new Error(`description library ${file}: HTTP ${res.status}`);
  return res;
}

async function gunzipText(file: string): Promise<string> {
  const bytes = new Uint8Array(await (await fetchOk(file)).arrayBuffer());
  // A server that sends .gz with Content-Encoding: gzip (vite preview/sirv does) has the browser
  // decompress it already: only data that still starts with the gzip magic is gunzipped here.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return new TextDecoder().decode(bytes);
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
}

type Reader = (file: string) => Promise<string>;
let reader: Reader = gunzipText;
let readIndex = async (): Promise<LibraryIndex> => (await fetchOk('index.json')).json() as Promise<LibraryIndex>;

/** Node tests have no origin to fetch from: src/testing/library-setup.ts reads public/library from disk. */
export function setLibraryReader(read: Reader): void {
  reader = read;
  readIndex = async () => JSON.parse(await read('index.json')) as LibraryIndex;
  cache.clear();
  files.clear();
  bySource = new WeakMap();
  index = undefined;
}

/** Each packed file once, parsed: the warm-up's file is reused by the first open's library. */
const files = new Map<string, Promise<LibraryJson>>();

function loadFile(file: string): Promise<LibraryJson> {
  let json = files.get(file);
  if (!json) {
    json = reader(file).then((t) => JSON.parse(t) as LibraryJson);
    // A failed fetch is not kept: the next file tries again.
    json.catch(() => files.delete(file));
    files.set(file, json);
  }
  return json;
}

function cached(key: string, make: (ix: LibraryIndex) => Promise<DescriptionLibrary>): Promise<DescriptionLibrary> {
  let lib = cache.get(key);
  if (!lib) {
    index ??= readIndex();
    lib = index.then(make);
    lib.catch(() => cache.delete(key));
    index.catch(() => (index = undefined));
    cache.set(key, lib);
  }
  return lib;
}

const archOf = async (source: ByteSource) => guessArch(await source.read(0, Math.min(source.size, ARCH_PROBE_BYTES)));

/** Per open source: its probe is read and its architecture guessed once. */
let bySource = new WeakMap<ByteSource, Promise<DescriptionLibrary>>();

/** The libraries for the architecture `source` looks like (all of them when it does not tell). */
export function libraryFor(source: ByteSource): Promise<DescriptionLibrary> {
  // Asked again and again for the open file (edits, candidates, a comparison's section reuse):
  // its 256 KiB probe is read and decoded once (5-25 ms a time in the worker, issue #13).
  let lib = bySource.get(source);
  if (!lib) {
    bySource.set(source, (lib = archOf(source).then((arch) => cached(arch ?? '*', async (ix) => createLibrary(await Promise.all(filesFor(ix, arch).map(loadFile)))))));
    lib.catch(() => bySource.delete(source));
  }
  return lib;
}

/**
 * One library of `source`'s architecture (the first the index lists): enough for the warm-up
 * (warm-up.ts) to run the decoder's code, and it keeps the page's first load small (issue #12: at
 * most 10% more than without libraries; the three x86_64 files are 20% of it, one is 7%). The other
 * versions arrive when a file needs them; this one is not fetched again.
 */
export async function warmUpLibrary(source: ByteSource): Promise<DescriptionLibrary> {
  const arch = await archOf(source);
  return cached(`warm-up ${arch ?? '*'}`, async (ix) => createLibrary([await loadFile(filesFor(ix, arch)[0])]));
}
