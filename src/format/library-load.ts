// Which packed libraries a file needs (public/library, scripts/pack-vmdesc-library.mjs): one per
// QEMU version and architecture, listed in index.json. The architecture is guessed from the
// section names in the file's first bytes (device-state files start with the CPU and platform
// devices; migration streams name the machine type in their CONFIGURATION record); when nothing
// tells, every architecture is loaded. How the bytes arrive is the caller's (fetch in the
// worker, the file system in the CLI).

import { createLibrary, type LibraryJson } from './library.ts';
import type { DescriptionLibrary } from './descriptions.ts';

export interface LibraryIndex {
  libraries: { version: string; arch: string; file: string; bytes: number }[];
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
