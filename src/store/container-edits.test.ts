// The store with the real worker code in this thread and a real libvirt 9.0 save image: the domain
// XML and was_running are ordinary edits (edits-slice editContainer): in the edit list, undone
// and redone, counted as unsaved, kept across a reload, and in the downloaded image.
import { describe, expect, it } from 'vitest';
import { readLibvirt } from '../format/container/libvirt.ts';
import { memorySource } from '../format/byte-source.ts';
import { libvirtFixture } from '../format/testing/libvirt-fixtures.ts';
import { WorkerClient } from '../worker/client.ts';
import { memoryStorage, type EditStorage } from '../worker/edit-storage.ts';
import { createExplorerStore } from './store.ts';
import { inProcessWorker } from './testing/in-process-worker.ts';

function makeStore(storage: EditStorage) {
  const saved: { blob: Blob; name: string }[] = [];
  const store = createExplorerStore({ worker: new WorkerClient(inProcessWorker(storage)), confirm: () => true, fetchBlob: async () => new Blob([]), saveBlob: (blob, name) => saved.push({ blob, name }) });
  return { store, saved };
}

describe('container edits in the store', { timeout: 60_000 }, () => {
  it('XML and was_running: edit list, undo/redo, unsaved state, reload and download', async () => {
    const storage = memoryStorage();
    const raw = libvirtFixture('raw.sav');
    const { store, saved } = makeStore(storage);
    await store.getState().openFile(new Blob([raw as Uint8Array<ArrayBuffer>]), 'raw.sav');
    const original = store.getState().container!.libvirt!.xml;
    const xml = original.replace(/<description>.*<\/description>/, '<description>from the store</description>');
    expect(await store.getState().editContainer('libvirt/xml', xml)).toEqual({ status: 'applied', warnings: [] });
    expect(await store.getState().editContainer('libvirt/was_running', 'true')).toEqual({ status: 'applied', warnings: [] });
    let s = store.getState();
    expect(s.containerEdited).toBe(true);
    expect(s.hasUnsavedEdits()).toBe(true);
    expect(s.edits.done.map((a) => a.label)).toEqual(['set libvirt/xml', 'set libvirt/was_running']);
    expect(s.container!.libvirt!.header.wasRunning).toBe(1);

    await s.undo();
    await store.getState().undo();
    s = store.getState();
    expect(s.containerEdited).toBe(false);
    expect(s.container!.libvirt!.xml).toBe(original);
    expect(s.edits.undone).toEqual(['set libvirt/was_running', 'set libvirt/xml']);
    await s.redo();
    expect(store.getState().container!.libvirt!.xml).toBe(xml);

    const refused = await store.getState().editContainer('libvirt/xml', 'x'.repeat(70_000));
    expect(refused).toMatchObject({ status: 'refused', reason: expect.stringMatching(/cannot move/) });
    expect(store.getState().edits.done).toHaveLength(1);

    await store.getState().downloadEdited();
    expect(store.getState().hasUnsavedEdits()).toBe(false);
    const out = new Uint8Array(await saved[0].blob.arrayBuffer());
    expect((await readLibvirt(memorySource(out)))!.libvirt).toMatchObject({ xml, header: { wasRunning: 0 } });

    // A reload: a new store and worker, the same storage.
    const again = makeStore(storage).store;
    await again.getState().openFile(new Blob([raw as Uint8Array<ArrayBuffer>]), 'raw.sav');
    expect(again.getState().container!.libvirt!.xml).toBe(xml);
    expect(again.getState().edits.done.map((a) => a.label)).toEqual(['set libvirt/xml']);
    expect(again.getState().containerEdited).toBe(true);
  });
});
