import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findField } from '../format/edit/find.ts';
import { WorkerClient } from '../worker/client.ts';
import { memoryStorage, type EditStorage } from '../worker/edit-storage.ts';
import type { SessionOptions } from '../worker/session.ts';
import { ByteCache } from './byte-cache.ts';
import { createExplorerStore } from './store.ts';
import { inProcessWorker } from './testing/in-process-worker.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url)));
const REG0 = 'cpu (0)/env.regs[0]';

function makeStore(storage?: EditStorage, opts?: SessionOptions) {
  const saved: { blob: Blob; name: string }[] = [];
  const store = createExplorerStore({
    worker: new WorkerClient(inProcessWorker(storage, opts)),
    confirm: () => true,
    fetchBlob: async () => new Blob([]),
    saveBlob: (blob, name) => saved.push({ blob, name }),
  });
  return { store, saved };
}

/** Waits until the byte cache has `offset`'s page and returns that byte. */
async function byteAt(cache: ByteCache, offset: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const b = cache.byte(offset);
    if (b !== undefined) return b;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`byte ${offset} never arrived`);
}

describe('edits slice', () => {
  it('applies an edit, refreshes the model and the cached bytes, and tracks what was downloaded', async () => {
    const { store, saved } = makeStore();
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'dev.bin');
    const reg = findField(store.getState().model!, REG0)!.node;
    const cache = store.getState().bytes!;
    expect(await byteAt(cache, reg.offset + 7)).toBe(0);
    const farPage = await byteAt(cache, 0);
    expect(store.getState().hasUnsavedEdits()).toBe(false);

    store.getState().selectField(REG0);
    const r = await store.getState().editField(REG0, '0x4d');
    expect(r).toEqual({ status: 'applied', warnings: [] });
    const s = store.getState();
    expect(findField(s.model!, REG0)!.node.value).toBe(0x4d);
    expect(s.edits.done).toHaveLength(1);
    expect(s.bytes).toBe(cache);
    expect(await byteAt(cache, reg.offset + 7)).toBe(0x4d);
    expect(cache.byte(0)).toBe(farPage);
    expect(s.fieldPath).toBe(REG0);
    expect(s.hasUnsavedEdits()).toBe(true);

    await store.getState().downloadEdited();
    expect(saved.map((x) => x.name)).toEqual(['dev-edited.bin']);
    expect(new Uint8Array(await saved[0].blob.arrayBuffer())[reg.offset + 7]).toBe(0x4d);
    expect(store.getState().hasUnsavedEdits()).toBe(false);
    await store.getState().undo();
    expect(store.getState().hasUnsavedEdits()).toBe(false);
    expect(store.getState().edits.done).toHaveLength(0);
    await store.getState().redo();
    expect(store.getState().hasUnsavedEdits()).toBe(true);
  });

  it('returns refusals to the caller and changes nothing', async () => {
    const { store } = makeStore();
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'dev.bin');
    const model = store.getState().model;
    const r = await store.getState().editField('0000:00:00.0/mch (0)/parent_obj.config[0][1]', '0x00');
    expect(r).toMatchObject({ status: 'refused', canForce: true, reason: expect.stringContaining('read-only') });
    expect(store.getState().model).toBe(model);
    expect(store.getState().edits.done).toEqual([]);
    expect(await store.getState().editField('nope', '1')).toEqual({ status: 'refused', reason: 'no field "nope"', canForce: false, warnings: [] });
  });

  it('undo and redo sent back to back both apply, in order', async () => {
    const { store } = makeStore();
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'dev.bin');
    await store.getState().editField(REG0, '1');
    await store.getState().editField(REG0, '2');
    await Promise.all([store.getState().undo(), store.getState().undo()]);
    expect(store.getState().edits.done).toHaveLength(0);
    expect(store.getState().edits.undone).toHaveLength(2);
    await Promise.all([store.getState().redo(), store.getState().redo()]);
    expect(findField(store.getState().model!, REG0)!.node.value).toBe(2);
  });

  it('restores kept edits when the same bytes are opened again and says so', async () => {
    const storage = memoryStorage();
    const a = makeStore(storage).store;
    await a.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'dev.bin');
    await a.getState().editField(REG0, '9');
    const b = makeStore(storage).store;
    await b.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'copy.bin');
    expect(b.getState().notice).toEqual({ tone: 'info', text: 'Restored 1 edit to copy.bin kept in this browser from an earlier visit.' });
    expect(b.getState().edits.done[0].parts[0]).toMatchObject({ path: REG0, after: '9' });
    expect(b.getState().hasUnsavedEdits()).toBe(true);
  });

  it('shows the devices-first model while the scan runs, then the full one, keeping the selection', async () => {
    // The worker holds the full model until the page's 'drawn' after the outline; no test run outwaits this cap.
    const { store } = makeStore(undefined, { drawPauseMs: 600_000 });
    const seen: { partial: false | 'devices' | 'outline'; records: number; scanning: boolean }[] = [];
    store.subscribe((s) => {
      if (s.model && (seen.at(-1)?.records !== s.model.records.length || seen.at(-1)?.partial !== s.partial)) seen.push({ partial: s.partial, records: s.model.records.length, scanning: s.scan !== null });
      // Select the cpu section as soon as it is listed, like a user would.
      if (s.partial && s.recordIndex === null) s.selectRecord(s.model!.records.find((r) => r.idstr === 'cpu')!.index);
    });
    await store.getState().openFile(new Blob([fixture('q35-migration.bin')]), 'mig.bin');
    expect(seen[0]).toMatchObject({ partial: 'devices', scanning: true });
    expect(seen.at(-1)).toMatchObject({ partial: false, scanning: false });
    expect(seen.at(-1)!.records).toBeGreaterThan(seen[0].records);
    const s = store.getState();
    expect(s.model!.records[s.recordIndex!]).toMatchObject({ idstr: 'cpu', instanceId: 0 });
    expect(s.scan).toBeNull();
  });

  it("shows a large model's section table first, then its field trees, keeping the selection", async () => {
    const { store } = makeStore();
    const seen: { partial: false | 'devices' | 'outline'; withFields: number }[] = [];
    store.subscribe((s) => {
      if (!s.model || seen.at(-1)?.partial === s.partial) return;
      seen.push({ partial: s.partial, withFields: s.model.records.filter((r) => r.fields?.length).length });
    });
    // Select the cpu section as soon as it is listed, like a user would.
    store.subscribe((s) => {
      if (s.partial === 'outline' && s.recordIndex === null) s.selectRecord(s.model!.records.find((r) => r.idstr === 'cpu')!.index);
    });
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'dev.bin');
    expect(seen).toEqual([{ partial: 'outline', withFields: 0 }, { partial: false, withFields: expect.any(Number) }]);
    expect(seen[1].withFields).toBeGreaterThan(40);
    const s = store.getState();
    expect(s.model!.records[s.recordIndex!]).toMatchObject({ idstr: 'cpu', instanceId: 0 });
    expect(s.model!.records[s.recordIndex!].fields!.length).toBeGreaterThan(10);
  });
});

describe('ByteCache.rebase', () => {
  it('drops pages in the dirty range and answers from the new source; a page asked for before is ignored', async () => {
    const old = new Uint8Array(200_000).fill(1);
    const now = new Uint8Array(200_000).fill(2);
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const cache = new ByteCache(old.length, async (o, n) => old.slice(o, o + n));
    expect(await byteAt(cache, 0)).toBe(1);
    expect(await byteAt(cache, 70_000)).toBe(1);
    // Page 2 is asked for from the old source but arrives after the rebase.
    const stale = new ByteCache(old.length, async (o, n) => (await slow, old.slice(o, o + n)));
    stale.byte(140_000);
    stale.rebase(now.length, async (o, n) => now.slice(o, o + n), { from: 0, to: 10 });
    release();
    expect(await byteAt(stale, 140_000)).toBe(2);

    cache.rebase(now.length, async (o, n) => now.slice(o, o + n), { from: 70_000, to: 70_001 });
    expect(cache.byte(0)).toBe(1);
    expect(await byteAt(cache, 70_000)).toBe(2);
    cache.rebase(now.length - 5, async (o, n) => now.slice(o, o + n), { from: 100, to: 100 });
    expect(cache.size).toBe(now.length - 5);
    expect(await byteAt(cache, 0)).toBe(2);
  });
});
