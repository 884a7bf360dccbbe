// The packed shelf (what the compiled CLI reads, parsing only the names a file asks for) against
// the libraries parsed whole: every real fixture that needs the library (a file without its own
// description, or a migration stream cut before it) decodes to the same model, field for field,
// with the same likely QEMU.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLibrary, libraryFromShelf, type LibraryJson } from './library.ts';
import { packedShelf, packShelf } from './library-shelf.ts';
import type { StreamModel, StreamRecord } from './model.ts';
import { FIXTURE_DIR, scanBytes } from './testing/fixtures.ts';
import { memorySource } from './byte-source.ts';
import { locateVmdesc } from './vmdesc.ts';
import { libraryJsons } from './testing/libraries.ts';

const jsons = libraryJsons();
const packed = packShelf(jsons, 'check');
const fromBytes = (bytes: Uint8Array) => (offset: number, length: number) => bytes.subarray(offset, offset + length);
const whole = createLibrary(jsons);

/**
 * Every QEMU stream among the fixtures (device-state, migration, COLO, qcow2 VM states, held-out
 * files of every version and architecture), but the pseries streams whose device sections another
 * pseries file of the same QEMU has (7-15 s each here: their hash page tables decode into models
 * of 40-80 MB of JSON). Every stream, those included, was compared once when the shelf was written.
 */
const SAME_SECTIONS = /^guess\/pseries-|\/pseries-migration/;
function streams(dir = FIXTURE_DIR): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return streams(p);
    const name = relative(FIXTURE_DIR, p);
    return /\.bin(\.gz)?$|\.stream\.gz$/.test(f) && !SAME_SECTIONS.test(name) ? [name] : [];
  });
}

/** The model as text, buffers as hex: equal text, equal models. */
const text = (m: StreamModel | StreamRecord | undefined) => JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? `${v}n` : v));

describe('packed library shelf', () => {
  it.each(streams())('%s decodes the same with the packed shelf as with every library parsed', async (name) => {
    const raw = readFileSync(join(FIXTURE_DIR, name));
    let bytes = new Uint8Array(name.endsWith('.gz') ? gunzipSync(raw) : raw);
    // A file with its own description never asks the library (cli/main.ts loadOptions): take the stream before it.
    const own = await locateVmdesc(memorySource(bytes));
    if (own) bytes = bytes.subarray(0, own.recordOffset);
    const expected = await scanBytes(bytes, { library: whole });
    const lazy = libraryFromShelf(packedShelf(fromBytes(packed)).shelf);
    const got = await scanBytes(bytes, { library: lazy });
    // Record by record first, so a difference names its section.
    for (const r of expected.records) expect(text(got.records[r.index]), `record ${r.index} ${r.idstr ?? r.kind}`).toBe(text(r));
    expect(text({ ...got, records: [] })).toBe(text({ ...expected, records: [] }));
  });

  it('answers for names an object has from its prototype as for any unknown name', () => {
    for (const lib of [whole, libraryFromShelf(packedShelf(fromBytes(packed)).shelf)]) {
      for (const idstr of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expect(lib.candidates(idstr, 1)).toEqual([]);
        expect(lib.subsections?.(idstr)).toEqual([]);
        expect(lib.ruledOut?.(idstr, 1, [])).toEqual([]);
      }
    }
  });

  it('keeps what it was packed with, and refuses what is not a whole pack in one line', () => {
    expect(packedShelf(fromBytes(packed)).check).toBe('check');
    const json = JSON.parse(gunzipSync(readFileSync(join(FIXTURE_DIR, '../library', 'qemu-7.2-s390x.json.gz'))).toString('utf8')) as LibraryJson;
    const small = packShelf([json]);
    expect(() => packedShelf(fromBytes(small.subarray(1)))).toThrow(/^not a packed library: no VMSHELF2 at offset 0$/);
    expect(() => packedShelf(fromBytes(small.subarray(0, 40)))).toThrow(/^packed library cut short: \d+ bytes needed at 12, 28 there$/);
    // The last slice (a subsection's descriptions) cut short fails when it is asked for, saying where.
    const cut = libraryFromShelf(packedShelf(fromBytes(small.subarray(0, small.length - 1))).shelf);
    const subs = Object.values(json.vmsds).flatMap((e) => Object.keys(e.subsections ?? {}));
    expect(subs.length).toBeGreaterThan(0);
    expect(() => subs.forEach((n) => cut.subsections!(n))).toThrow(/^packed library cut short: \d+ bytes needed at \d+, \d+ there$/);
  });
});
