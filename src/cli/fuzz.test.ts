// CI's bounded slice of `npm run fuzz` (issue #10): the same seeded cases over every fixture kind,
// checked the same way (src/cli/fuzz-check.ts), in process. A failure names the seed and case,
// which `npm run fuzz -- --seed S --from I --cases 1` replays alone.
import { describe, expect, it } from 'vitest';
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
    const c = fuzzCase(await fuzzInputs(), 20260, i);
    expect(await runCase(c), c.history.join(' | ')).toBeNull();
  });
});
