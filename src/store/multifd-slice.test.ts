// Several files opened together (store/multifd-slice.ts) with the real worker code in this thread:
// the main channel is found by its header whatever the order, the channels join it, and every
// file that does not is named with the reason; a new open forgets the channels.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerClient } from '../worker/client.ts';
import { createExplorerStore } from './store.ts';
import { inProcessWorker } from './testing/in-process-worker.ts';

const file = (name: string) => ({ file: new Blob([readFileSync(new URL(`../../public/fixtures/qemu10/${name}`, import.meta.url))]), name });

function makeStore() {
  return createExplorerStore({ worker: new WorkerClient(inProcessWorker()), confirm: () => true, fetchBlob: async () => new Blob([]), saveBlob: () => {} });
}

describe('opening a multifd main channel with its channel files', () => {
  it('picks the main channel by its header and joins the channels, whatever the order', async () => {
    const store = makeStore();
    await store.getState().openFiles([file('pc-multifd-channel1.bin'), file('pc-multifd-main.bin'), file('pc-multifd-channel0.bin')]);
    const s = store.getState();
    expect(s.file?.name).toBe('pc-multifd-main.bin');
    expect(s.scan).toBeNull();
    expect(s.notice).toBeNull();
    expect(s.multifd?.channels.map((c) => c.channelId)).toEqual([0, 1]);
    const page = await s.ramPage('pc.ram', 0x100);
    expect(page).toMatchObject({ kind: 'data', source: 'pc-multifd-channel0.bin' });
  });

  it('names a second main channel and a file of another kind, and still joins the channels', async () => {
    const store = makeStore();
    await store.getState().openFiles([file('pc-multifd-main.bin'), file('pc-migration.bin'), file('ram-pattern.bin'), file('pc-multifd-channel0.bin')]);
    const s = store.getState();
    expect(s.multifd?.channels.map((c) => c.name)).toEqual(['pc-multifd-channel0.bin']);
    expect(s.multifd?.refused).toEqual([
      { name: 'pc-migration.bin', reason: 'a second main channel: pc-multifd-main.bin is the main channel' },
      { name: 'ram-pattern.bin', reason: 'neither a main channel (QEVM header) nor a multifd channel (magic 11 22 33 44)' },
    ]);
    expect(s.notice?.text).toMatch(/^Not added beside pc-multifd-main.bin: pc-migration.bin: a second main channel.*; ram-pattern.bin: neither/);
  });

  it('channels without their main channel are refused as a whole, with the reason', async () => {
    const store = makeStore();
    await store.getState().openFiles([file('pc-multifd-channel0.bin'), file('pc-multifd-channel1.bin')]);
    expect(store.getState().file).toBeNull();
    expect(store.getState().notice?.text).toMatch(/None of pc-multifd-channel0.bin, pc-multifd-channel1.bin is a main channel/);
  });

  it('a new open forgets the channels of the last one', async () => {
    const store = makeStore();
    await store.getState().openFiles([file('pc-multifd-main.bin'), file('pc-multifd-channel0.bin')]);
    expect(store.getState().multifd).not.toBeNull();
    await store.getState().openFiles([file('pc-multifd-main.bin')]);
    expect(store.getState().multifd).toBeNull();
    expect((await store.getState().ramPage('pc.ram', 0x100)).kind).toBe('not sent');
  });
});

describe('adding channels is a scan like an open', () => {
  it('shows progress and can be cancelled; the open file stays', async () => {
    const store = makeStore();
    await store.getState().openFiles([file('pc-multifd-main.bin')]);
    const adding = store.getState().addChannels([file('pc-multifd-channel0.bin'), file('pc-multifd-channel1.bin')]);
    expect(store.getState().scan).toMatchObject({ what: 'channels', name: '2 multifd channel files', total: 81152 + 245056 });
    store.getState().cancelScan();
    await adding;
    expect(store.getState().notice?.text).toBe('Cancelled adding 2 multifd channel files.');
    expect(store.getState().scan).toBeNull();
    expect(store.getState().multifd).toBeNull();
    expect(store.getState().file?.name).toBe('pc-multifd-main.bin');
  });

  it('is refused with the reason while a file opens', async () => {
    const store = makeStore();
    const opening = store.getState().openFiles([file('pc-multifd-main.bin')]);
    await store.getState().addChannels([file('pc-multifd-channel0.bin')]);
    expect(store.getState().notice?.text).toMatch(/^Adding multifd channels is possible once pc-multifd-main.bin has finished opening; pc-multifd-channel0.bin not added\.$/);
    await opening;
  });
});
