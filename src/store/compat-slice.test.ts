// The page's compatibility check and candidate choice in the store: refused with the reason while
// a file opens (nothing is sent to the worker then), carried out once it has opened.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WorkerClient, type WorkerLike } from '../worker/client.ts';
import { setCompatReader } from '../worker/compat-fetch.ts';
import { handle } from '../worker/handle.ts';
import type { RequestMessage, WorkerMessage } from '../worker/protocol.ts';
import { Session } from '../worker/session.ts';
import { createExplorerStore } from './store.ts';

const gz = (n: string) => new Uint8Array(gunzipSync(readFileSync(new URL(`../../public/compat/${n}`, import.meta.url))));
setCompatReader(async (name) => gz(`${name}.gz`));

function makeStore() {
  const session = new Session();
  const sent: string[] = [];
  let listener: (e: MessageEvent<WorkerMessage>) => void = () => {};
  const worker: WorkerLike = {
    postMessage: (msg: RequestMessage) => {
      sent.push(msg.request.type);
      void handle(session, msg.id, msg.request, (m) => queueMicrotask(() => listener({ data: m } as MessageEvent<WorkerMessage>)));
    },
    addEventListener: (type: string, fn: (e: never) => void) => {
      if (type === 'message') listener = fn as typeof listener;
    },
    terminate: () => {},
  };
  const store = createExplorerStore({ worker: new WorkerClient(worker), confirm: () => true, fetchBlob: async () => new Blob([]), saveBlob: () => {} });
  return { store, sent };
}

describe('compat slice', () => {
  it('refuses a check and a candidate choice during an open with the reason, then runs the check', async () => {
    const { store, sent } = makeStore();
    const opening = store.getState().openFile(new Blob([gz('pc-7.2-devstate.bin.gz')]), 'pc-7.2-devstate.bin');
    await store.getState().checkCompat('10.0');
    expect(store.getState().compat?.error).toBe('Checking compatibility is possible once pc-7.2-devstate.bin has finished opening');
    expect(await store.getState().chooseCandidate(3, 0)).toBe('Choosing a description is possible once pc-7.2-devstate.bin has finished opening');
    expect(sent).not.toContain('compat');
    expect(sent).not.toContain('use-candidate');
    await opening;
    await store.getState().checkCompat('10.0');
    expect(store.getState().compat?.report?.verdict).toBe('fails');
    expect(store.getState().compat?.report?.first?.section).toBe('0000:00:02.0/e1000e (0)');
  });
});
