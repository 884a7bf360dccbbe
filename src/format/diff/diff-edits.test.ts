// An edited file compared with its original lists exactly its edits (the edit model is the
// oracle here: it wrote the bytes, the comparison decodes them again from both files).
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import type { Change } from '../edit/change.ts';
import { editedSource } from '../edit/piece-table.ts';
import { planFieldEdit } from '../edit/plan.ts';
import { fieldType } from '../field-types/index.ts';
import { bundledLibrary } from '../library-bundled.ts';
import { scanStream } from '../scan.ts';
import { fixtureBytes, fixtureDescription } from '../testing/fixtures.ts';
import { diffFiles } from './diff-files.ts';
import { ignoreMatcher } from './ignore.ts';

const EDITS: [string, string][] = [
  ['cpu (0)/env.regs[0]', '0x1234'],
  ['cpu (0)/env.regs[3]', '0xdeadbeef'],
  ['mc146818rtc (0)/cmos_data[63]', '0x5a'],
  ['mc146818rtc (0)/cmos_index', '0x3f'],
  ['timer (0)/cpu_ticks_offset', '123456789'],
];

describe('an edited file against its original', () => {
  it('lists exactly the edited fields with the new values', async () => {
    const original = memorySource(fixtureBytes('pc-devstate.bin'));
    const opts = { vmdesc: await fixtureDescription('pc-migration.bin'), library: bundledLibrary() };
    const actions: Change[] = [];
    for (const [path, value] of EDITS) {
      const { model } = await scanStream(editedSource(original, actions), opts);
      const plan = planFieldEdit(model, path, value);
      if (!plan.ok) throw new Error(plan.reason);
      actions.push(plan.change);
    }
    const edited = editedSource(original, actions);
    const { result } = await diffFiles({ name: 'original', source: original }, { name: 'edited', source: edited }, opts);
    const listed = result.sections.flatMap((s) => s.fields.map((f) => ({ path: `${s.key}/${f.path}`, f })));
    expect(listed.map((x) => x.path).sort()).toEqual(EDITS.map(([p]) => p).sort());
    for (const [path, value] of EDITS) {
      const { f } = listed.find((x) => x.path === path)!;
      // The right side holds the bytes the edit wrote: the edit's own encoding of its value.
      const enc = fieldType(f.right!.type, f.right!.size).parse(value, f.right!.size);
      if (!enc.ok) throw new Error(enc.reason);
      const got = await edited.read(f.right!.offset, f.right!.size);
      expect(got, path).toEqual(enc.bytes);
      expect(BigInt(f.right!.value as number), path).toBe(BigInt(value));
    }
    expect(result.counts.changed).toBe(3);
    expect(result.equal).toBe(false);
  });
});

describe('ignore patterns', () => {
  const m = ignoreMatcher(['timer (0)/cpu_ticks_offset', 'env.tsc', 'i8254 (0)/channels[*].count_load_time', 'e1000*']);
  it.each([
    ['timer (0)', 'cpu_ticks_offset', true],
    ['timer (0)', 'cpu_ticks_offset_x', false],
    ['cpu (0)', 'env.tsc', true],
    ['cpu (1)', 'env.tsc.x', true],
    ['cpu (0)', 'env.tsc_aux', false],
    ['i8254 (0)', 'channels[2].count_load_time', true],
    ['i8254 (0)', 'channels[2].count_latched', false],
    ['0000:00:03.0/e1000 (0)', 'mac_reg[3]', false],
    ['e1000 (0)', '', true],
  ])('%s / %s -> %s', (label, path, want) => expect(m.matches(label, path)).toBe(want));
});
