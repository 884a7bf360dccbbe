// The scan worker: owns the file and the format core; the page only ever sees the model and the
// byte pages it asks for.

import { handle } from './handle.ts';
import type { RequestMessage, WorkerMessage } from './protocol.ts';
import { indexedDbStorage } from './edit-storage.ts';
import { Session } from './session.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Edits are kept per file in this origin's IndexedDB (the worker has it; the page need not).
const storage = typeof indexedDB === 'undefined' ? undefined : indexedDbStorage();
const session = new Session({ storage });
// The page starts this worker at load, long before a file is picked: open the database now.
storage?.prepare?.();
const post = (msg: WorkerMessage, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

scope.addEventListener('message', (e: MessageEvent<RequestMessage>) => {
  const { id, request } = e.data;
  void handle(session, id, request, post);
});
