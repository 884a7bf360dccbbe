// Files from QEMU 7.2 and 10.0 that the libraries were not made from, decoded with every bundled library
// (QEMU 7.2, 10.0, 11.1) and no description of their own, against the decode with their true
// description (the vmdesc of a migration of the same VM): framing, values, and which QEMU the
// sections name. The migration streams are cut before their vmdesc, which leaves a stream that
// carries no description, as device-state files do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLibrary } from './library.ts';
import { FIXTURE_DIR, fixtureDescription, gaps, scanBytes } from './testing/fixtures.ts';
import { agreement, libraryJsons } from './testing/libraries.ts';

const jsons = libraryJsons();
const library = createLibrary(jsons);
const versions = jsons.map((j) => j.version ?? j.qemu.slice(0, 3));

interface Case { file: string; truth: string; version: string; machine: string }
const CASES: Case[] = [
  // QEMU 7.2 fixtures (public/fixtures, not used to make any library) with all three libraries.
  { file: 'pc-devstate.bin', truth: 'pc-migration.bin', version: '7.2', machine: 'pc-i440fx-7.2' },
  { file: 'q35-devstate.bin', truth: 'q35-migration.bin', version: '7.2', machine: 'pc-q35-7.2' },
  { file: 'pc-xen-devstate.bin', truth: 'pc-migration.bin', version: '7.2', machine: 'pc-i440fx-7.2' },
  { file: 'q35-colo.bin', truth: 'q35-migration.bin', version: '7.2', machine: 'pc-q35-7.2' },
  { file: 'qemu10/pc-devstate.bin', truth: 'qemu10/pc-migration.bin', version: '10.0', machine: 'pc-i440fx-10.0' },
  { file: 'qemu10/pc-migration.bin', truth: 'qemu10/pc-migration.bin', version: '10.0', machine: 'pc-i440fx-10.0' },
  { file: 'qemu10/q35-migration.bin', truth: 'qemu10/q35-migration.bin', version: '10.0', machine: 'pc-q35-10.0' },
];

/** The stream up to its EOF record: the vmdesc JSON after it is what a device-state file lacks. */
async function withoutVmdesc(bytes: Uint8Array): Promise<Uint8Array> {
  const m = await scanBytes(bytes);
  return m.vmdesc ? bytes.subarray(0, m.vmdesc.offset) : bytes;
}

describe.runIf(versions.includes('10.0'))('QEMU 7.2 and 10.0 files with the bundled libraries only', () => {
  it.each(CASES)('$file frames exactly as with its true description and agrees on ≥ 99% of the values', async (c) => {
    const bytes = await withoutVmdesc(new Uint8Array(readFileSync(join(FIXTURE_DIR, c.file))));
    const withLibrary = await scanBytes(bytes, { library });
    const truth = await scanBytes(bytes, { vmdesc: await fixtureDescription(c.truth) });
    expect(withLibrary.vmdesc).toBeUndefined();
    expect(gaps(withLibrary)).toEqual([]);
    const a = agreement(withLibrary, truth);
    console.log(`${c.file}: ${a.framedExactly}/${a.sections} sections framed exactly, ${a.equalValues}/${a.leaves} values equal (${((100 * a.equalValues) / a.leaves).toFixed(2)}%); differing: ${a.differing.join(', ') || 'none'}`);
    expect(a.framedExactly, a.differing.join(', ')).toBe(a.sections);
    expect(a.equalValues / a.leaves).toBeGreaterThanOrEqual(0.99);
  });

  it.each(CASES)("$file: sections name the QEMU and machine of their description; the likely versions include the true one", async (c) => {
    const bytes = await withoutVmdesc(new Uint8Array(readFileSync(join(FIXTURE_DIR, c.file))));
    const m = await scanBytes(bytes, { library });
    const bundled = m.records.filter((r) => r.decodedBy === 'bundled');
    expect(bundled.length).toBeGreaterThan(0);
    console.log(`${c.file}: likely QEMU ${m.likelyQemu?.join(' or ')}`);
    // Layouts of several versions often fit the same bytes (10.0's q35 file does not fit 7.2's; its pc
    // file does): the list holds every version that frames all sections, the true one among them.
    expect(m.likelyQemu).toContain(c.version);
    expect(bundled.some((r) => r.describedBy?.includes(`QEMU ${c.version}, `) && r.describedBy.includes(c.machine))).toBe(true);
  });
});
