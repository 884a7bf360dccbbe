// The worker's description libraries: fetched from the same origin (public/library, packed by
// scripts/pack-vmdesc-library.mjs) when a file needs them, gunzipped with DecompressionStream,
// and kept per architecture for the rest of the session. Before this the 7.2 library (650 KB of
// JSON) was part of the worker bundle.

import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { ARCH_PROBE_BYTES, guessArch, loadLibraries, type LibraryIndex } from '../format/library-load.ts';

const BASE = `${import.meta.env?.BASE_URL ?? '/'}library/`;
const cache = new Map<string, Promise<DescriptionLibrary>>();
let bySource = new WeakMap<ByteSource, Promise<DescriptionLibrary>>();
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
  bySource = new WeakMap();
  index = undefined;
}

/** The libraries for the architecture `source` looks like (all of them when it does not tell). */
export function libraryFor(source: ByteSource): Promise<DescriptionLibrary> {
  // Asked again and again for the open file (edits, candidates, a comparison's section reuse):
  // its 256 KiB probe is read and decoded once (5-25 ms a time in the worker, issue #13).
  let lib = bySource.get(source);
  if (!lib) {
    bySource.set(source, (lib = forProbe(source)));
    lib.catch(() => bySource.delete(source));
  }
  return lib;
}

async function forProbe(source: ByteSource): Promise<DescriptionLibrary> {
  const arch = guessArch(await source.read(0, Math.min(source.size, ARCH_PROBE_BYTES)));
  const key = arch ?? '*';
  let lib = cache.get(key);
  if (!lib) {
    index ??= readIndex();
    lib = index.then((ix) => loadLibraries(ix, arch, reader));
    // A failed fetch is not kept: the next file tries again.
    lib.catch(() => cache.delete(key));
    index.catch(() => (index = undefined));
    cache.set(key, lib);
  }
  return lib;
}
