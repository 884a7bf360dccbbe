// The worker's description libraries: fetched from the same origin (public/library, packed by
// scripts/pack-vmdesc-library.mjs) when a file needs them, gunzipped with DecompressionStream,
// and kept per architecture for the rest of the session. Before this the 7.2 library (650 KB of
// JSON) was part of the worker bundle.

import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { ARCH_PROBE_BYTES, archShelfLibrary, filesFor, guessArch, shelfEntries, shelfFile, type LibraryIndex } from '../format/library-load.ts';
import { createLibrary, type LibraryJson } from '../format/library.ts';

const BASE = `${import.meta.env?.BASE_URL ?? '/'}library/`;
const cache = new Map<string, Promise<DescriptionLibrary>>();
let index: Promise<LibraryIndex> | undefined;

async function fetchOk(file: string): Promise<Response> {
  const res = await fetch(new URL(BASE + file, self.location.href));
  if (!res.ok) throw new Error(`description library ${file}: HTTP ${res.status}`);
  return res;
}

async function gunzipBytes(file: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await (await fetchOk(file)).arrayBuffer());
  // A server that sends .gz with Content-Encoding: gzip (vite preview/sirv does) has the browser
  // decompress it already: only data that still starts with the gzip magic is gunzipped here.
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

type Reader = (file: string) => Promise<string>;
type BytesReader = (file: string) => Promise<Uint8Array>;
let readBytes: BytesReader = gunzipBytes;
let reader: Reader = async (file) => new TextDecoder().decode(await readBytes(file));
let readIndex = async (): Promise<LibraryIndex> => (await fetchOk('index.json')).json() as Promise<LibraryIndex>;

/**
 * Node tests have no origin to fetch from: src/worker/testing/library-setup.ts reads public/library
 * from disk. `bytes` reads a file's gunzipped bytes (the shelves); without it no shelf is read and
 * every library comes from its version file.
 */
export function setLibraryReader(read: Reader, bytes?: BytesReader): void {
  reader = read;
  readBytes = bytes ?? (async (file) => Promise.reject(new Error(`no shelf reader for ${file}`)));
  readIndex = async () => JSON.parse(await read('index.json')) as LibraryIndex;
  cache.clear();
  files.clear();
  shelves.clear();
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

/** Each architecture's shelf once (the warm-up's is the first open's); null: none that matches the index. */
const shelves = new Map<string, Promise<DescriptionLibrary | null>>();

function shelfOf(ix: LibraryIndex, arch: string): Promise<DescriptionLibrary | null> {
  let lib = shelves.get(arch);
  if (!lib) {
    const entries = shelfEntries(ix, arch);
    lib = entries.length ? readBytes(shelfFile(arch)).then((b) => archShelfLibrary(b, entries), () => null) : Promise.resolve(null);
    // Not kept when missing: a failed fetch is tried again by the next file.
    void lib.then((l) => l ?? shelves.delete(arch));
    shelves.set(arch, lib);
  }
  return lib;
}

/**
 * The libraries of `arch`: its shelf (every version in one file, library-load.ts), or, where there
 * is none that matches the index (a library regenerated without its shelf, a failed fetch), the
 * version files; every architecture's version files when the file does not tell.
 */
async function archLibrary(ix: LibraryIndex, arch: string | null): Promise<DescriptionLibrary> {
  const shelf = arch === null ? null : await shelfOf(ix, arch);
  return shelf ?? createLibrary(await Promise.all(filesFor(ix, arch).map(loadFile)));
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
    bySource.set(source, (lib = archOf(source).then((arch) => cached(arch ?? '*', (ix) => archLibrary(ix, arch)))));
    lib.catch(() => bySource.delete(source));
  }
  return lib;
}

/**
 * The library the warm-up (warm-up.ts) decodes its sample with: the one a file of the sample's
 * architecture opens with, so the first such open finds every version fetched and the names the
 * sample asked for parsed (issue #12). It is that architecture's shelf: one file within the 10% the
 * page's first load may grow (library-load.ts). Without a shelf, only the first version file is
 * fetched now (three were 20% of the first load, one 7%), the others when a file needs them.
 */
export async function warmUpLibrary(source: ByteSource): Promise<DescriptionLibrary> {
  const arch = await archOf(source);
  // Without a shelf archLibrary fetches every version file: not in the warm-up, the first load would grow.
  if (arch !== null && (await shelfOf(await (index ??= readIndex()), arch))) return cached(arch, (ix) => archLibrary(ix, arch));
  return cached(`warm-up ${arch ?? '*'}`, async (ix) => createLibrary([await loadFile(filesFor(ix, arch)[0])]));
}
