// The page's per-architecture shelves (public/library/shelf-<arch>.bin.gz, library-load.ts) against
// the version files they are packed from: the committed shelves are the ones the packer makes
// today, and a library over a shelf answers every query as the version files parsed whole do
// (the shelf keeps only the target of each `seenIn` entry, the one part of it the library reads).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLibrary } from './library.ts';
import { archShelfLibrary, packArchShelf, shelfEntries, shelfFile, type LibraryIndex } from './library-load.ts';
import { libraryJsons } from './testing/libraries.ts';
import { FIXTURE_DIR, scanBytes } from './testing/fixtures.ts';
import { join } from 'node:path';

const DIR = new URL('../../public/library/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as LibraryIndex;
const ARCHES = [...new Set(index.libraries.map((l) => l.arch))];
const shelfBytes = (arch: string) => new Uint8Array(gunzipSync(readFileSync(new URL(shelfFile(arch), DIR))));

describe.each(ARCHES)('the %s shelf', (arch) => {
  const jsons = libraryJsons(arch);
  const entries = shelfEntries(index, arch);

  it('is the one the packer makes from the version files the index lists', () => {
    expect(Buffer.from(shelfBytes(arch)).equals(Buffer.from(packArchShelf(jsons, entries)))).toBe(true);
  });

  it('is refused for other index entries (a library regenerated without its shelf)', () => {
    expect(archShelfLibrary(shelfBytes(arch), entries.map((e) => ({ ...e, bytes: e.bytes + 1 })))).toBeNull();
    expect(archShelfLibrary(new Uint8Array(16), entries)).toBeNull();
  });

  it('answers every vmsd, version and old-style idstr as the version files do', () => {
    const whole = createLibrary(jsons);
    const shelf = archShelfLibrary(shelfBytes(arch), entries)!;
    expect(shelf).not.toBeNull();
    const asked: [string, number][] = [];
    for (const j of jsons) {
      for (const [name, e] of Object.entries(j.vmsds)) for (const v of Object.keys(e.versions)) asked.push([name, Number(v)]);
      for (const name of Object.keys(j.oldStyle ?? {})) asked.push([name, 0]);
    }
    expect(asked.length).toBeGreaterThan(20);
    for (const [idstr, v] of asked) {
      expect(shelf.candidates(idstr, v), `${idstr} v${v}`).toEqual(whole.candidates(idstr, v));
      expect(shelf.misdescribed!(idstr, v)).toEqual(whole.misdescribed!(idstr, v));
      expect(shelf.ruledOut!(idstr, v, [])).toEqual(whole.ruledOut!(idstr, v, []));
      expect(shelf.alwaysSent!(idstr, v, [])).toEqual(whole.alwaysSent!(idstr, v, []));
      expect(shelf.neverSent!(idstr, ['no-such-subsection'])).toEqual(whole.neverSent!(idstr, ['no-such-subsection']));
    }
    expect([...shelf.sectionOrders!()]).toEqual([...whole.sectionOrders!()]);
  });
});

/** The model as text, buffers as hex: equal text, equal models. */
const text = (m: unknown) => JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? `${v}n` : v));

// The whole decode, likely QEMU included, of a real file of each architecture without a description.
it.each([['q35-devstate.bin', 'x86_64'], ['virt-devstate.bin', 'aarch64']])('%s decodes the same with its shelf as with the version files', async (name, arch) => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));
  const expected = await scanBytes(bytes, { library: createLibrary(libraryJsons(arch)) });
  const got = await scanBytes(bytes, { library: archShelfLibrary(shelfBytes(arch), shelfEntries(index, arch))! });
  expect(got.records.length).toBeGreaterThan(10);
  expect(text(got)).toEqual(text(expected));
});
