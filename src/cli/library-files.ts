// The CLI's description libraries: the same packed files the page fetches (public/library, made by
// scripts/pack-vmdesc-library.mjs), read from disk and gunzipped with node:zlib. The compiled CLI
// reads them from one file instead (dist-cli/library.pack, written by scripts/build-cli.mjs with
// packLibraryFile below): the parts filed by name, parsed only for the names a file asks for
// (format/library-shelf.ts). Parsing all 3.4 MB of them was two thirds of an `inspect` of a small
// file; the pack gives the same descriptions (library-shelf.test.ts, cli.test.ts).
import { openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { libraryFromShelf, type LibraryJson } from '../format/library.ts';
import { loadLibraries, type LibraryIndex } from '../format/library-load.ts';
import { packedShelf, packShelf } from '../format/library-shelf.ts';
import { publicDir } from './public-dir.ts';

/** The pack's name beside the compiled CLI (there is none beside src/cli: tests read the libraries). */
export const LIBRARY_PACK = 'library.pack';

let all: Promise<DescriptionLibrary> | undefined;

function readIndex(): { dir: string; index: LibraryIndex } {
  const dir = publicDir('library', 'index.json');
  return { dir, index: JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as LibraryIndex };
}

/**
 * node:zlib is taken when a library is read (no pack: tests, the build's packer), not when this
 * module loads: the compiled CLI reads the pack and never needs it (~9 M instructions of start-up).
 */
const readLibrary = (dir: string, file: string) => process.getBuiltinModule('node:zlib').gunzipSync(readFileSync(join(dir, file))).toString('utf8');

/**
 * The pack beside this module, if there is one made from the libraries `index` lists. It stays
 * open for the process's life: names are read from it as sections ask for them.
 */
function packBeside(index: LibraryIndex): DescriptionLibrary | null {
  let fd: number;
  try {
    fd = openSync(join(import.meta.dirname, LIBRARY_PACK), 'r');
  } catch {
    return null; // running from source: no pack
  }
  let packed: ReturnType<typeof packedShelf>;
  try {
    packed = packedShelf((offset, length) => {
      const b = Buffer.allocUnsafe(length);
      return b.subarray(0, readSync(fd, b, 0, length, offset));
    });
  } catch {
    return null; // a pack of another format (an older build): the libraries themselves still answer
  }
  // A pack of other libraries (regenerated since the build) is not used.
  return JSON.stringify(packed.check) === JSON.stringify(index.libraries) ? libraryFromShelf(packed.shelf) : null;
}

/** Every version and architecture: the CLI decodes files of any. */
export function diskLibrary(): Promise<DescriptionLibrary> {
  all ??= (async () => {
    const { dir, index } = readIndex();
    return packBeside(index) ?? loadLibraries(index, null, async (file) => readLibrary(dir, file));
  })();
  return all;
}

/** The pack of every library in public/library (scripts/build-cli.mjs writes it to dist-cli/). */
export function packLibraryFile(): Uint8Array {
  const { dir, index } = readIndex();
  return packShelf(index.libraries.map((l) => JSON.parse(readLibrary(dir, l.file)) as LibraryJson), index.libraries);
}
