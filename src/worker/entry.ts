// The scan worker: owns the file and the format core; the page only ever sees the model and the
// byte pages it asks for.

import { handle } from './handle.ts';
import type { RequestMessage, WorkerMessage } from './protocol.ts';
import { Session } from './session.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const session = new Session();
const post = (msg: WorkerMessage, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

scope.addEventListener('message', (e: MessageEvent<RequestMessage>) => {
  const { id, request } = e.data;
  void handle(session, id, request, post);
});
