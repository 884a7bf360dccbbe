// CI's bounded slice of `npm run fuzz` (issue #10): the same seeded cases over every fixture kind,
// checked the same way (src/cli/fuzz-check.ts), in process. A failure names the seed and case,
// which `npm run fuzz -- --seed S --from I --cases 1` replays alone.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { scanStream } from '../format/scan.ts';
import { fuzzCase, fuzzInputs } from '../format/testing/fuzz-cases.ts';
import { runCase } from './fuzz-check.ts';

const SEED = 1010;
const CASES = 190;

describe('fuzz (bounded)', () => {
  it(`seed ${SEED}: ${CASES} cases over every fixture kind, each one plain line per problem with an offset, no exception`, { timeout: 600_000 }, async () => {
    const inputs = await fuzzInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(19);
    const kinds = { json: 0, supplied: 0, bytes: 0 };
    for (let i = 0; i < CASES; i++) {
      const c = fuzzCase(inputs, SEED, i);
      kinds.supplied += c.supplied !== undefined ? 1 : 0;
      kinds.json += c.history.some((h) => h.startsWith('embedded description')) ? 1 : 0;
      kinds.bytes += c.history.some((h) => !h.includes('description')) ? 1 : 0;
      const fault = await runCase(c);
      expect(fault, `seed ${SEED} case ${i} (${c.input}): ${c.history.join(' | ')}`).toBeNull();
    }
    // The slice exercises each kind of mutation, not only byte damage.
    expect(kinds.json).toBeGreaterThan(10);
    expect(kinds.supplied).toBeGreaterThan(3);
    expect(kinds.bytes).toBeGreaterThan(CASES / 2);
  });

  // Found by `npm run fuzz -- --seed 20260`: before file text was escaped (idstrs with NULs, 0xff
  // and newlines in paths, the table and a subsection name: cases 6-66), and before the JSON text
  // was decoded strictly (a bad byte moved a JSON error's offset past the end of the file: 1878, 2090).
  it.each([6, 9, 25, 45, 64, 66, 1878, 2090])('regression: seed 20260 case %i', { timeout: 120_000 }, async (i) => {
    const c = fuzzCase(await fuzzInputs({ before11: true }), 20260, i);
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });

  // Found by seed 7 once the containers joined: a qcow2 image cut before its snapshot table
  // reported the table's offset, past the end of the file (now the header field pointing at it).
  it.each([112, 150, 340])('regression: seed 7 case %i', { timeout: 120_000 }, async (i) => {
    const c = fuzzCase(await fuzzInputs(), 7, i);
    expect(c.input).toBe('qcow2/pc-v3.qcow2.gz');
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });

  // Found by seed 20261204: a qcow2 snapshot whose L1 table points outside the image was still
  // chosen, so reading its state threw halfway through the scan (now a container problem).
  it.each([987, 1101, 1329])('regression: seed 20261204 case %i', { timeout: 120_000 }, async (i) => {
    const c = fuzzCase(await fuzzInputs(), 20261204, i);
    expect(c.input).toBe('qcow2/virt-v3.qcow2.gz');
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });

  // Found by seed 20261204: bytes inserted into a postcopy package moved POSTCOPY_RUN past the
  // package's end, and the scan went back to that end: two records over the same bytes.
  it('regression: seed 20261204 case 6519', { timeout: 120_000 }, async () => {
    const c = fuzzCase(await fuzzInputs(), 20261204, 6519);
    expect(c.input).toBe('qemu10/pc-postcopy-main.bin');
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });

  // Found by seed 20261204: a multifd packet's RAM block name and a qcow2 snapshot's name went
  // into messages raw (NULs, bytes above 0x7e).
  it.each([12673, 12767])('regression: seed 20261204 case %i', { timeout: 120_000 }, async (i) => {
    const c = fuzzCase(await fuzzInputs(), 20261204, i);
    expect(await runCase(c), `${c.input}: ${c.history.join(' | ')}`).toBeNull();
  });

  // Found by the long run of seed 20261204: a configuration whose capability count became
  // 0x80000000 was decoded up to the 2,000,000-node budget (4-6 s of CPU, over the case limit).
  // A count past the bytes the file has left is now refused where it is read, as QEMU's loader
  // runs out of file before it reads that many.
  it('regression: seed 20261204 case 130356: an impossible element count is refused where it is read', { timeout: 120_000 }, async () => {
    const c = fuzzCase(await fuzzInputs(), 20261204, 130356);
    expect(c.input).toBe('qemu10/pc-mapped-ram.bin');
    const { model } = await scanStream(memorySource(c.bytes));
    const first = model.problems[0] ?? model.records.flatMap((r) => r.problems)[0];
    expect(first).toMatchObject({ offset: 0x3f, code: 'truncated' });
    expect(first.message).toMatch(/2147483648 elements of "capabilities" .* but the file has \d+ left/);
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });

  // Found by the run of seed 20261204 at 35a8dfd: ICH9LPC's chip_config in the embedded description
  // got array_len 0xffffffff and was decoded byte by byte to the end of the file (349,198 nodes,
  // 0.5-0.9 s of CPU, over the 800 ms limit under load). QEMU counts elements in an int, so the
  // schema refuses it where it stands in the JSON; a count it allows that the file cannot hold is
  // refused where its field starts (element-bytes.test.ts).
  it('regression: seed 20261204 case 803616: an array_len QEMU cannot write is refused by the schema', { timeout: 120_000 }, async () => {
    const c = fuzzCase(await fuzzInputs(), 20261204, 803616);
    expect(c.input).toBe('qemu11/q35-migration.bin');
    const { model } = await scanStream(memorySource(c.bytes));
    expect(model.problems.map((p) => p.message)).toContain('$.devices[16].fields[3].array_len must be <=2147483647, found 4294967295');
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });
});
