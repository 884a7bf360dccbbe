// Test support (Node only): every packed description library (public/library, as the worker and the
// CLI load them: scripts/pack-vmdesc-library.mjs), and how closely a library-only decode matches the
// decode with the file's true description.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { walkFields } from '../edit/find.ts';
import type { DescriptionLibrary } from '../descriptions.ts';
import { createLibrary, type LibraryJson } from '../library.ts';
import { equalBytes } from '../bytes-equal.ts';
import type { FieldValue, StreamModel } from '../model.ts';

/** Leaf values compared by content: byte buffers are distinct Uint8Arrays in two decodes. */
function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && equalBytes(a, 0, b, 0, a.length);
  return a === b;
}

const DIR = join(import.meta.dirname, '../../../public/library');

/** Every packed library, or those of one architecture ("ppc64"). */
export function libraryJsons(arch?: string): LibraryJson[] {
  const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { libraries: { file: string; arch: string }[] };
  return index.libraries
    .filter((l) => !arch || l.arch === arch)
    .map((l) => JSON.parse(gunzipSync(readFileSync(join(DIR, l.file))).toString('utf8')) as LibraryJson);
}

export interface Agreement {
  sections: number;
  /** Sections whose offset, size and footer equal the true decode's. */
  framedExactly: number;
  leaves: number;
  /** Leaves of the true decode with a leaf at the same offset and size holding the same value. */
  equalValues: number;
  /** idstrs not framed exactly or with unequal values (for the message). */
  differing: string[];
}

/** Compares a decode made with the library only against the decode with the true description. */
export function agreement(lib: StreamModel, truth: StreamModel): Agreement {
  const out: Agreement = { sections: 0, framedExactly: 0, leaves: 0, equalValues: 0, differing: [] };
  const byOffset = new Map(lib.records.map((r) => [r.offset, r]));
  for (const t of truth.records) {
    if (t.kind !== 'section' || t.ram) continue;
    out.sections++;
    const r = byOffset.get(t.offset);
    const framed = !!r && r.size === t.size && r.footerOffset === t.footerOffset && r.dataSize === t.dataSize;
    if (framed) out.framedExactly++;
    const values = new Map<string, FieldValue | undefined>();
    for (const n of walkFields(r?.fields)) if (!n.children) values.set(`${n.offset}:${n.size}`, n.value);
    let bad = !framed;
    for (const n of walkFields(t.fields)) {
      if (n.children) continue;
      out.leaves++;
      const k = `${n.offset}:${n.size}`;
      if (values.has(k) && sameValue(values.get(k), n.value)) out.equalValues++;
      else bad = true;
    }
    if (bad) out.differing.push(t.idstr ?? '?');
  }
  return out;
}

let every: DescriptionLibrary | undefined;

/** All generated libraries merged, as the worker and the CLI use them for a file of unknown architecture. */
export function everyLibrary(): DescriptionLibrary {
  every ??= createLibrary(libraryJsons());
  return every;
}
