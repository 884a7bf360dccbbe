// QEMU 7.2's library as a module import, for the tests and the CLI until they load the packed
// libraries (public/library, library-load.ts). The page never imports this: it fetches them.
import { createLibrary, type LibraryJson } from './library.ts';
import type { DescriptionLibrary } from './descriptions.ts';
import libraryJson from './vmdesc-library/qemu-7.2.json';

let bundled: DescriptionLibrary | undefined;

export function bundledLibrary(): DescriptionLibrary {
  bundled ??= createLibrary(libraryJson as unknown as LibraryJson);
  return bundled;
}

export const BUNDLED_QEMU_VERSION = (libraryJson as { qemu: string }).qemu;
