// Which packed libraries a file needs (public/library, scripts/pack-vmdesc-library.mjs): one per
// QEMU version and architecture, listed in index.json. The architecture is guessed from the
// section names in the file's first bytes (device-state files start with the CPU and platform
// devices; migration streams name the machine type in their CONFIGURATION record); when nothing
// tells, every architecture is loaded. How the bytes arrive is the caller's (fetch in the
// worker, the file system in the CLI).

import { createLibrary, libraryFromShelf, type LibraryJson } from './library.ts';
import { packedShelf, packShelf } from './library-shelf.ts';
import type { DescriptionLibrary } from './descriptions.ts';

export interface LibraryIndex {
  libraries: { version: string; arch: string; file: string; bytes: number; vmsds?: number }[];
}

/** How many leading bytes guessArch looks at. */
export const ARCH_PROBE_BYTES = 256 * 1024;

/** Names only one architecture's machines give their sections or machine types (QEMU hw/). */
const MARKERS: [string, RegExp][] = [
  ['x86_64', /pc-i440fx|pc-q35|\bapic\b|mc146818rtc|i8259|kvmclock|PIIX|ICH9/],
  ['aarch64', /virt-\d|arm_gic|armv7m|pl011|pl061|arm-smmu/],
  ['s390x', /s390/],
  ['ppc64', /spapr|pseries/],
];

export function guessArch(head: Uint8Array): string | null {
  // The markers are ASCII and UTF-8 decoding keeps every ASCII byte as that character (other
  // bytes become U+FFFD or other non-word characters, as latin1 would make them), so a marker
  // matches exactly where it would in a byte-for-char string. One native decode on the ASCII
  // fast path: 8 KiB argument spreads made ~40 MB of garbage per 256 KiB probe, a tenth of a
  // second of a comparison's collections (issue #13).
  const text = new TextDecoder().decode(head);
  for (const [arch, re] of MARKERS) if (re.test(text)) return arch;
  return null;
}

export function filesFor(index: LibraryIndex, arch: string | null): string[] {
  const hits = index.libraries.filter((l) => arch === null || l.arch === arch);
  return (hits.length ? hits : index.libraries).map((l) => l.file);
}

/** Loads and merges the libraries for `arch` with `read(file)` → the decompressed JSON text. */
export async function loadLibraries(index: LibraryIndex, arch: string | null, read: (file: string) => Promise<string>): Promise<DescriptionLibrary> {
  const texts = await Promise.all(filesFor(index, arch).map(read));
  return createLibrary(texts.map((t) => JSON.parse(t) as LibraryJson));
}

// One file per architecture for the page: every version of it on one packed shelf (library-shelf.ts),
// public/library/shelf-<arch>.bin.gz, written by scripts/pack-library-shelves.ts beside the
// per-version files (which the CLI and the tests read, and which stay the reference). The worker
// fetches it during its warm-up, before any file is picked, so a file's first open finds every
// version there (issue #12): the three x86_64 files were 86 KB gzipped, the shelf is 38 KB (layouts
// kept once), within the 10% the page's first load may grow, and its names are parsed only when a
// section asks for them (parsing 1.8 MB of JSON and collecting it took the worker tens of ms).

/** The shelf file of `arch`. */
export const shelfFile = (arch: string) => `shelf-${arch}.bin.gz`;

/**
 * The libraries of one architecture (index order) packed as its shelf; `check` is their index
 * entries, so a shelf left behind by a regenerated library is not used (archShelfLibrary).
 * `seenIn` keeps only each probe's target ("x86_64-q35:"): the library reads nothing else of it
 * (library.ts candidates: the machine of the target), and the probe names were 10% of the file.
 */
export function packArchShelf(jsons: LibraryJson[], entries: LibraryIndex['libraries']): Uint8Array {
  const targetsOnly = (seen: unknown) => (Array.isArray(seen) ? [...new Set(seen.map((s: string) => s.slice(0, s.indexOf(':') + 1)))] : seen);
  const trimmed = jsons.map((j) => JSON.parse(JSON.stringify(j), (k, v: unknown) => (k === 'seenIn' ? targetsOnly(v) : v)) as LibraryJson);
  return packShelf(trimmed, entries);
}

/** The index entries `arch`'s shelf was packed from (its `check`). */
export const shelfEntries = (index: LibraryIndex, arch: string) => index.libraries.filter((l) => l.arch === arch);

/** The library on a shelf's bytes (gunzipped), or null when they are not the shelf of these `entries`. */
export function archShelfLibrary(bytes: Uint8Array, entries: LibraryIndex['libraries']): DescriptionLibrary | null {
  let packed: ReturnType<typeof packedShelf>;
  try {
    packed = packedShelf((offset, length) => bytes.subarray(offset, offset + length));
  } catch {
    return null;
  }
  return entries.length && JSON.stringify(packed.check) === JSON.stringify(entries) ? libraryFromShelf(packed.shelf) : null;
}
