// The scan worker: owns the file and the format core; the page only ever sees the model and the
// byte pages it asks for.

import { sampleList } from '../format/samples.ts';
import { handle } from './handle.ts';
import type { RequestMessage, WorkerMessage } from './protocol.ts';
import { indexedDbStorage } from './edit-storage.ts';
import { Session } from './session.ts';
import { warmUp } from './warm-up.ts';

/** The page is still starting up this long after the worker: the warm-up waits for it. */
const WARM_UP_AFTER_MS = 300;

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Edits are kept per file in this origin's IndexedDB (the worker has it; the page need not).
const storage = typeof indexedDB === 'undefined' ? undefined : indexedDbStorage();
const session = new Session({ storage });
// The page starts this worker at load, long before a file is picked: open the database now.
storage?.prepare?.();
const post = (msg: WorkerMessage, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

// Decode the default sample while nobody waits (see warm-up.ts); the first request stops it.
const warming = new AbortController();
setTimeout(() => {
  if (warming.signal.aborted) return;
  fetch(new URL(sampleList(import.meta.env?.BASE_URL ?? '/')[0].url, scope.location.origin), { signal: warming.signal })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((sample) => warmUp(sample, warming.signal))
    .catch(() => undefined);
}, WARM_UP_AFTER_MS);

scope.addEventListener('message', (e: MessageEvent<RequestMessage>) => {
  warming.abort();
  const { id, request } = e.data;
  void handle(session, id, request, post);
});
