import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerClient, type WorkerLike } from '../worker/client.ts';
import { handle } from '../worker/handle.ts';
import type { RequestMessage, WorkerMessage } from '../worker/protocol.ts';
import { Session } from '../worker/session.ts';
import { selectedNode, selectionText } from './selectors.ts';
import { createExplorerStore } from './store.ts';

const fixture = (name: string) => readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url));

/** The real worker code, run in this thread: messages still go through the protocol. */
function inProcessWorker(): WorkerLike {
  const session = new Session();
  let listener: (e: MessageEvent<WorkerMessage>) => void = () => {};
  return {
    postMessage: (msg: RequestMessage) =>
      void handle(session, msg.id, msg.request, (m) => queueMicrotask(() => listener({ data: m } as MessageEvent<WorkerMessage>))),
    addEventListener: (type: string, fn: (e: never) => void) => {
      if (type === 'message') listener = fn as typeof listener;
    },
    terminate: () => {},
  };
}

function makeStore(confirmAnswer = true) {
  const asked: string[] = [];
  const store = createExplorerStore({
    worker: new WorkerClient(inProcessWorker()),
    confirm: (m) => (asked.push(m), confirmAnswer),
    fetchBlob: async (url) => new Blob([fixture(url.split('/').pop()!)]),
    saveBlob: () => {},
  });
  return { store, asked };
}

describe('explorer store', () => {
  it('opens a file in the worker and ties fields, bytes and the status line together', async () => {
    const { store } = makeStore();
    await store.getState().openFile(new Blob([fixture('q35-migration.bin')]), 'q35-migration.bin');
    const s = store.getState();
    expect(s.file?.name).toBe('q35-migration.bin');
    expect(s.scan).toBeNull();
    const cpu = s.model!.records.find((r) => r.idstr === 'cpu' && r.instanceId === 0)!;
    // START/FULL header: type, be32 id, counted idstr "cpu", be32 instance, be32 version.
    const first = cpu.offset + 1 + 4 + 1 + 3 + 4 + 4;

    expect(s.selectField('cpu (0)/env.regs[1]')).toBe(true);
    expect(store.getState().range).toEqual({ from: first + 8, to: first + 16 });
    expect(store.getState().expanded.has('cpu (0)/env.regs')).toBe(true);
    expect(selectionText(store.getState())).toBe(`0x${(first + 8).toString(16)}-0x${(first + 15).toString(16)} (8 bytes) cpu (0) / env.regs[1]`);

    store.getState().selectOffset(first + 3);
    expect(store.getState().fieldPath).toBe('cpu (0)/env.regs[0]');
    expect(selectedNode(store.getState())?.type).toBe('uint64');

    store.getState().selectOffset(first + 20, { extend: true });
    expect(store.getState().range).toEqual({ from: first + 3, to: first + 21 });
    expect(store.getState().fieldPath).toBeNull();

    store.getState().selectOffset(2);
    expect(selectionText(store.getState())).toBe('0x2 (1 byte) header');
  });

  it('serves byte pages from the worker through the cache', async () => {
    const { store } = makeStore();
    const bytes = fixture('q35-devstate.bin');
    await store.getState().openFile(new Blob([bytes]), 'dev.bin');
    const cache = store.getState().bytes!;
    expect(cache.read(0, 8)).toBeUndefined();
    await new Promise<void>((r) => cache.subscribe(r));
    expect([...cache.read(0, 8)!]).toEqual([...bytes.subarray(0, 8)]);
  });

  it('opens the device-state sample with its migration stream as description', async () => {
    const { store } = makeStore();
    await store.getState().openSample('q35-devstate');
    const s = store.getState();
    expect(s.file).toMatchObject({ name: 'q35-devstate.bin', description: 'q35-migration.bin' });
    expect(s.model!.records.filter((r) => r.kind === 'section').every((r) => r.decodedBy === 'supplied')).toBe(true);
  });

  it("opens a new file at its start, not at the previous file's last reveal", async () => {
    const { store } = makeStore();
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'first.bin');
    store.getState().selectRecord(store.getState().model!.records.find((r) => r.idstr === 'cpu')!.index);
    expect(store.getState().reveal?.offset).toBeGreaterThan(0);
    await store.getState().openFile(new Blob([fixture('q35-migration.bin')]), 'second.bin');
    expect(store.getState().file?.name).toBe('second.bin');
    expect(store.getState().reveal).toBeNull();
  });

  it('asks before replacing a file with unsaved edits and keeps it when told no', async () => {
    const { store, asked } = makeStore(false);
    await store.getState().openFile(new Blob([fixture('q35-devstate.bin')]), 'first.bin');
    store.setState({ hasUnsavedEdits: () => true });
    await store.getState().openFile(new Blob([fixture('q35-migration.bin')]), 'second.bin');
    expect(asked).toEqual(['Discard the unsaved edits to first.bin and open second.bin?']);
    expect(store.getState().file?.name).toBe('first.bin');
  });

  it('a cancelled open leaves no file and says so', async () => {
    const { store } = makeStore();
    const opening = store.getState().openFile(new Blob([fixture('q35-migration.bin')]), 'big.bin');
    expect(store.getState().scan?.name).toBe('big.bin');
    store.getState().cancelScan();
    await opening;
    expect(store.getState()).toMatchObject({ file: null, scan: null, notice: { tone: 'info', text: 'Cancelled opening big.bin.' } });
  });
});
