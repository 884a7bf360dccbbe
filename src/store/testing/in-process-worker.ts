// Store tests: the real worker code in this thread, messages through the protocol (one Session,
// replies delivered on a microtask as a worker's would arrive later).
import type { EditStorage } from '../../worker/edit-storage.ts';
import type { WorkerLike } from '../../worker/client.ts';
import { handle } from '../../worker/handle.ts';
import type { RequestMessage, WorkerMessage } from '../../worker/protocol.ts';
import { Session, type SessionOptions } from '../../worker/session.ts';

export function inProcessWorker(storage?: EditStorage, opts: SessionOptions = {}): WorkerLike {
  const session = new Session({ storage, ...opts });
  let listener: (e: MessageEvent<WorkerMessage>) => void = () => {};
  return {
    postMessage: (msg: RequestMessage) => void handle(session, msg.id, msg.request, (m) => queueMicrotask(() => listener({ data: m } as MessageEvent<WorkerMessage>))),
    addEventListener: (type: string, fn: (e: never) => void) => {
      if (type === 'message') listener = fn as typeof listener;
    },
    terminate: () => {},
  };
}
