// The edit model without the worker: requests planned as steps against a real fixture, each step
// against the file as edited by the steps before it (the oracle: a fresh decode of those bytes).
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import type { StreamModel } from '../model.ts';
import { scanStream } from '../scan.ts';
import { fixtureBytes, fixtureDescription } from '../testing/fixtures.ts';
import type { Vmdesc } from '../vmdesc.ts';
import type { Change } from './change.ts';
import { findField, findSection, headerText } from './find.ts';
import { emptyHistory } from './history.ts';
import { editedSource } from './piece-table.ts';
import { planAction, type Target } from './steps.ts';

const bytes = fixtureBytes('pc-devstate.bin');
let vmdesc: Vmdesc;
let start: Target;
const REG0 = 'cpu (0)/env.regs[0]';

async function at(changes: Change[]): Promise<Target> {
  const source = editedSource(memorySource(bytes), changes);
  return { model: (await scanStream(source, { vmdesc })).model, read: (o, n) => source.read(o, n) };
}

beforeAll(async () => {
  vmdesc = await fixtureDescription('pc-migration.bin');
  start = await at([]);
});

describe('finding a header edit\'s section', () => {
  it('by record, by label and by header values names the same record', () => {
    const m: StreamModel = start.model;
    const timer = m.records.find((r) => r.idstr === 'timer')!;
    const header = { idstr: 'timer', instanceId: timer.instanceId!, versionId: timer.versionId! };
    expect(findSection(m, { index: timer.index })).toBe(timer);
    expect(findSection(m, { label: 'timer (0)' })).toBe(timer);
    expect(findSection(m, { header, preferOffset: timer.offset })).toBe(timer);
    expect(findSection(m, { label: 'timer (0)', header: { ...header, versionId: header.versionId + 1 } })).toBeNull();
    expect(headerText(header)).toBe(`timer 0 v${timer.versionId}`);
  });
});

describe('planAction', () => {
  it('a patch is planned entry by entry against the file as edited so far', async () => {
    // Both entries set the same register: the second must see the first one's value.
    const text = JSON.stringify({
      format: 'vmstate-explorer-patch', version: 1,
      edits: [{ kind: 'field', path: REG0, before: '0', after: '5' }, { kind: 'field', path: REG0, before: '5', after: '9' }],
    });
    const out = await planAction({ kind: 'patch', text, name: 'p.json' }, emptyHistory(), start, at, false);
    expect(out).toMatchObject({ status: 'applied', warnings: [] });
    if (!('status' in out) || out.status !== 'applied') return;
    expect(out.action.parts?.map((p) => `${p.before}->${p.after}`)).toEqual(['0->5', '5->9']);
    const after = await at(out.history.done);
    expect(findField(after.model, REG0)!.node.value).toBe(9);
  });

  it('refuses with the guard reason and says whether force would apply it; warnings are asked first', async () => {
    const path = '0000:00:00.0/I440FX (0)/parent_obj.config[0][0]';
    const refused = await planAction({ kind: 'field', path, value: '0xff' }, emptyHistory(), start, at, false);
    expect(refused).toMatchObject({ status: 'refused', canForce: true, reason: expect.stringContaining('read-only') });
    const equal = await planAction({ kind: 'field', path: 'PCIBUS (0)/nirq', value: '9' }, emptyHistory(), start, at, false);
    expect(equal).toMatchObject({ status: 'confirm', warnings: [expect.stringContaining('must equal the destination')] });
    const unknown = await planAction({ kind: 'revert', id: 42 }, emptyHistory(), start, at, false);
    expect(unknown).toEqual({ error: 'no applied edit 42' });
  });

  it('a revert puts back a renamed header found by its new values', async () => {
    const timer = start.model.records.find((r) => r.idstr === 'timer')!;
    const renamed = await planAction({ kind: 'header', section: { index: timer.index }, change: { idstr: 'timer-x' } }, emptyHistory(), start, at, false);
    if (!('status' in renamed) || renamed.status !== 'applied') throw new Error(JSON.stringify(renamed));
    const back = await planAction({ kind: 'revert', id: renamed.action.id }, renamed.history, await at(renamed.history.done), async (extra) => at([...renamed.history.done, ...extra]), false);
    if (!('status' in back) || back.status !== 'applied') throw new Error(JSON.stringify(back));
    const file = await editedSource(memorySource(bytes), back.history.done).read(0, bytes.length + 64);
    expect(file).toEqual(bytes);
  });
});
