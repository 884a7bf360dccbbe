// Taking the other file's byte-identical sections (scan-reuse.ts) must give exactly the model a
// full decode gives. Oracle: scanStream of the same bytes without reuse, on pairs QEMU 7.2 and 10.0
// made (scripts/make-diff-fixtures.mjs) and on a copy with one field edited by the edit model.
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { editedSource } from './edit/piece-table.ts';
import { planFieldEdit } from './edit/plan.ts';
import { bundledLibrary } from './library-bundled.ts';
import type { StreamModel } from './model.ts';
import { scanStream } from './scan.ts';
import { fixtureBytes } from './testing/fixtures.ts';

const library = bundledLibrary();

/** How many of `b`'s sections hold `a`'s very field nodes (taken at the same offsets). */
const shared = (a: StreamModel, b: StreamModel) => b.records.filter((r) => r.fields && a.records.some((x) => x.fields === r.fields)).length;

async function check(aBytes: Uint8Array, bBytes: Uint8Array) {
  const a = (await scanStream(memorySource(aBytes), { library })).model;
  const plain = (await scanStream(memorySource(bBytes), { library })).model;
  const reused = (await scanStream(memorySource(bBytes), { library, reuse: { model: a, bytes: aBytes } })).model;
  expect(reused).toEqual(plain);
  return { a, plain, reused };
}

describe('a second file scanned with the sections of the first', () => {
  it('the CMOS pair: every section but the RTC is taken, and the model equals a full decode', async () => {
    const { a, reused } = await check(fixtureBytes('diff/cmos-before.bin'), fixtureBytes('diff/cmos-after.bin'));
    const sections = reused.records.filter((r) => r.kind === 'section');
    const rtc = reused.records.find((r) => r.idstr === 'mc146818rtc')!;
    expect(a.records.some((r) => r.fields === rtc.fields)).toBe(false);
    // The first section is decoded (footers are not known before it), the RTC differs.
    expect(shared(a, reused)).toBe(sections.length - 2);
  });

  it('a COLO buffer (no file header: every offset 8 bytes lower) against the device-state file', async () => {
    const { a, reused } = await check(fixtureBytes('diff/cmos-after.bin'), fixtureBytes('diff/cmos-after-colo.bin'));
    expect(shared(a, reused)).toBe(0);
    // Taken and moved, not decoded again: the RTC's CMOS bytes are the first file's very array.
    const cmos = (m: StreamModel) => m.records.find((r) => r.idstr === 'mc146818rtc')!.fields!.find((f) => f.name === 'cmos_data')!.value;
    expect(cmos(reused)).toBe(cmos(a));
    expect(reused.records.find((r) => r.idstr === 'mc146818rtc')!.fields![0].offset).toBe(a.records.find((r) => r.idstr === 'mc146818rtc')!.fields![0].offset - 8);
  });

  it.each([
    ['diff/regs-1.bin', 'diff/regs-2.bin'],
    ['diff/cmos-before.bin', 'diff/qemu10-devstate.bin'],
    ['diff/qemu10-devstate.bin', 'diff/cmos-before.bin'],
    ['q35-devstate.bin', 'diff/cmos-after.bin'],
  ])('%s then %s: the model equals a full decode', async (x, y) => {
    await check(fixtureBytes(x), fixtureBytes(y));
  });

  it('a buffer edited to another length-preserving value, and a migration stream (own description: nothing taken)', async () => {
    const orig = fixtureBytes('q35-devstate.bin');
    const { model } = await scanStream(memorySource(orig), { library });
    const plan = planFieldEdit(model, 'mc146818rtc (0)/cmos_data[63]', '0x5a');
    if (!plan.ok) throw new Error(plan.reason);
    const src = editedSource(memorySource(orig), [plan.change]);
    const edited = await src.read(0, src.size);
    const { a, reused } = await check(orig, edited);
    expect(shared(a, reused)).toBeGreaterThan(30);
    const mig = await check(fixtureBytes('diff/cmos-before-migration.bin'), fixtureBytes('diff/cmos-after-migration.bin'));
    expect(shared(mig.a, mig.reused)).toBe(0);
  });
});
