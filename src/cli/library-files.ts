// The CLI's description libraries: the same packed files the page fetches (public/library, made by
// scripts/pack-vmdesc-library.mjs), read from disk and gunzipped with node:zlib. The compiled CLI
// reads them from one file instead (dist-cli/library.pack, written by scripts/build-cli.mjs with
// packLibraryFiles below): the parts filed by name, parsed only for the names a file asks for
// (format/library-shelf.ts). Parsing all 3.4 MB of them was two thirds of an `inspect` of a small
// file; the pack gives the same descriptions (library-shelf.test.ts, cli.test.ts).
// Beside it the build writes one pack per architecture (library-ARCH.pack, the page's shelves
// unzipped: library-load.ts packArchShelf), which the table and `check` read (archLibrary).
import { openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { libraryFromShelf, type LibraryJson } from '../format/library.ts';
import type { ByteSource } from '../format/byte-source.ts';
import { ARCH_PROBE_BYTES, guessArch, loadLibraries, packArchShelf, shelfEntries, type LibraryIndex } from '../format/library-load.ts';
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

/** The pack of one architecture's libraries beside the compiled CLI. */
export const archPack = (arch: string) => `library-${arch}.pack`;

/**
 * The pack `name` beside this module, if there is one made from the libraries `check` lists (index
 * entries). It stays open for the process's life: names are read from it as sections ask for them.
 */
function packBeside(name: string, check: LibraryIndex['libraries']): DescriptionLibrary | null {
  let fd: number;
  try {
    fd = openSync(join(import.meta.dirname, name), 'r');
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
  return check.length && JSON.stringify(packed.check) === JSON.stringify(check) ? libraryFromShelf(packed.shelf) : null;
}

/** Every version and architecture: the CLI decodes files of any. */
export function diskLibrary(): Promise<DescriptionLibrary> {
  all ??= (async () => {
    const { dir, index } = readIndex();
    return packBeside(LIBRARY_PACK, index.libraries) ?? loadLibraries(index, null, async (file) => readLibrary(dir, file));
  })();
  return all;
}

/**
 * The libraries of the architecture `source` looks like (library-load.ts guessArch, as the page
 * picks them), from that architecture's pack; null when the file does not tell or there is no
 * such pack (running from source). A name's row there holds three libraries, not twelve, and
 * each variant's probes only by target, so the rows a file's sections ask for parse in a third
 * of the time: ~60 of the ~590 M main-thread instructions of pc-devstate.bin's `inspect` (callgrind).
 * Only for what prints neither field trees' origins nor likely versions (main.ts tableScan): a
 * candidate merged from several architectures names all their machines in `described_by`.
 */
export async function archLibrary(source: ByteSource): Promise<DescriptionLibrary | null> {
  const arch = guessArch(await source.read(0, Math.min(source.size, ARCH_PROBE_BYTES)));
  return arch === null ? null : packBeside(archPack(arch), shelfEntries(readIndex().index, arch));
}

/**
 * The packs of public/library that scripts/build-cli.mjs writes to dist-cli/, by file name: every
 * library in one (LIBRARY_PACK), and each architecture's (archPack).
 */
export function packLibraryFiles(): [string, Uint8Array][] {
  const { dir, index } = readIndex();
  const jsons = index.libraries.map((l) => JSON.parse(readLibrary(dir, l.file)) as LibraryJson);
  const arches = [...new Set(index.libraries.map((l) => l.arch))];
  return [
    [LIBRARY_PACK, packShelf(jsons, index.libraries)],
    ...arches.map((arch): [string, Uint8Array] => {
      const entries = shelfEntries(index, arch);
      return [archPack(arch), packArchShelf(entries.map((l) => jsons[index.libraries.indexOf(l)]), entries)];
    }),
  ];
}
