// The comparison in the store, over the real worker code run in this thread.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerClient } from '../worker/client.ts';
import { busyReason, openPhase } from './action-guard.ts';
import { gatedStore, openHeldAt } from './open-gate.ts';
import { createExplorerStore } from './store.ts';
import { inProcessWorker } from './testing/in-process-worker.ts';

const pair = (name: string) => new Blob([readFileSync(new URL(`../../public/fixtures/diff/${name}`, import.meta.url))]);

function makeStore() {
  const saved: { blob: Blob; name: string }[] = [];
  const store = createExplorerStore({ worker: new WorkerClient(inProcessWorker()), confirm: () => true, fetchBlob: async () => new Blob([]), saveBlob: (blob, name) => saved.push({ blob, name }) });
  return { store, saved };
}

describe('compare slice', () => {
  it('refuses to compare before a file is open, visibly', async () => {
    const { store } = makeStore();
    expect(busyReason(store.getState(), 'compare')).toBe('Open a state file first: the second file is compared with it');
    await store.getState().compareWith(pair('cmos-after.bin'), 'after');
    expect(store.getState().compare).toBeNull();
    expect(store.getState().notice).toEqual({ tone: 'error', text: 'Open a state file first: the second file is compared with it; after was not compared.' });
  });

  // Issue #10's rule for "Compare with…": picked while the open file opens, it waits for the open.
  it.each(['reading', 'devices', 'outline'] as const)('picked while the open file is at %s: queued, then compared once it has opened', async (phase) => {
    const h = gatedStore();
    const s = h.store.getState;
    const { opening } = await openHeldAt(h, pair('cmos-before-migration.bin'), 'before.bin', phase);
    expect(openPhase(s())).toBe(phase);
    expect(busyReason(s(), 'compare')).toBeNull();
    await s().compareWith(pair('cmos-after-migration.bin'), 'after.bin');
    expect(s().compare).toBeNull();
    expect(s().queuedCompare?.name).toBe('after.bin');
    h.gate.release();
    await opening;
    expect(s().queuedCompare).toBeNull();
    const c = s().compare!;
    expect([c.name, c.stage, c.error]).toEqual(['after.bin', 'done', null]);
    expect(c.reply!.result.sections.find((x) => x.key === 'mc146818rtc (0)')!.status).toBe('changed');
  });

  it('a queued comparison dropped by a cancelled open is named in the notice', async () => {
    const h = gatedStore();
    const s = h.store.getState;
    const { opening } = await openHeldAt(h, pair('cmos-before-migration.bin'), 'before.bin', 'outline');
    await s().compareWith(pair('cmos-after-migration.bin'), 'after.bin');
    s().cancelScan();
    h.gate.release();
    await opening;
    expect(s()).toMatchObject({ file: null, compare: null, queuedCompare: null });
    expect(s().notice).toEqual({ tone: 'info', text: 'Cancelled opening before.bin; after.bin was not compared.' });
  });

  it('opening another file closes the comparison with the one it replaces', async () => {
    const { store } = makeStore();
    await store.getState().openFile(pair('cmos-before.bin'), 'cmos-before.bin');
    await store.getState().compareWith(pair('cmos-after.bin'), 'cmos-after.bin');
    expect(store.getState().compare?.stage).toBe('done');
    await store.getState().openFile(pair('regs-1.bin'), 'regs-1.bin');
    expect(store.getState().compare).toBeNull();
  });

  it('takes the right side\'s values into the open file as one undoable action; then the section is the same', async () => {
    const { store, saved } = makeStore();
    await store.getState().openFile(pair('cmos-before.bin'), 'cmos-before.bin');
    await store.getState().compareWith(pair('cmos-after.bin'), 'cmos-after.bin');
    const c = store.getState().compare!;
    expect(c.stage).toBe('done');
    expect(c.devicesAt).not.toBeNull();
    const rtc = c.reply!.result.sections.find((s) => s.key === 'mc146818rtc (0)')!;
    expect(rtc.status).toBe('changed');

    const outcome = await store.getState().takeRightValues(rtc.key, rtc.fields);
    expect(outcome).toEqual({ status: 'applied', warnings: [] });
    expect(store.getState().edits.done).toHaveLength(1);
    expect(store.getState().edits.done[0].parts.map((p) => [p.path, p.before, p.after])).toEqual([
      ['mc146818rtc (0)/cmos_data[63]', '0x00', '0x5a'],
      ['mc146818rtc (0)/cmos_index', '0', '63'],
    ]);
    const after = store.getState().compare!.reply!;
    expect(after.leftGeneration).toBe(store.getState().file!.generation);
    expect(after.result.equal).toBe(true);

    await store.getState().undo();
    await store.getState().refreshCompare();
    expect(store.getState().compare!.reply!.result.sections.find((s) => s.key === 'mc146818rtc (0)')!.status).toBe('changed');

    store.getState().exportComparison();
    expect(saved[0].name).toBe('cmos-before-vs-cmos-after.diff.json');
    expect(JSON.parse(await saved[0].blob.text()).sections.length).toBeGreaterThan(10);
  });

  it('a new ignore list compares again without reading the right file again', async () => {
    const { store } = makeStore();
    await store.getState().openFile(pair('regs-1.bin'), 'regs-1.bin');
    await store.getState().setCompareIgnore([]);
    await store.getState().compareWith(pair('regs-2.bin'), 'regs-2.bin');
    const fields = () => store.getState().compare!.reply!.result.sections.flatMap((s) => s.fields.map((f) => `${s.key}/${f.path}`));
    expect(fields()).toContain('timer (0)/cpu_ticks_offset');
    await store.getState().setCompareIgnore(['timer (0)']);
    expect(fields().some((f) => f.startsWith('timer (0)'))).toBe(false);
    expect(store.getState().compare!.reply!.result.sections.find((s) => s.key === 'timer (0)')!.ignored).toBe(1);
  });
});
