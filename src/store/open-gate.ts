// Test support: the real worker code in this thread (messages through the protocol), with a gate
// that holds one open at a chosen phase. The worker's own 'drawn' handshake holds the full model
// (session.ts): the gate keeps the page's 'drawn' for that open back, so the worker really waits,
// and keeps the open's events and reply from the page until the test lets them through.

import { WorkerClient, type WorkerLike } from '../worker/client.ts';
import { memoryStorage } from '../worker/edit-storage.ts';
import { handle } from '../worker/handle.ts';
import type { RequestMessage, WorkerMessage } from '../worker/protocol.ts';
import { Session } from '../worker/session.ts';
import type { OpenPhase } from './action-guard.ts';
import { createExplorerStore, type ExplorerStore } from './store.ts';

type Listener = (e: MessageEvent<WorkerMessage>) => void;

const idOf = (m: WorkerMessage) => (m.kind === 'reply' ? m.id : m.event.id);
const tick = () => new Promise((r) => setTimeout(r, 0));

export class OpenGate implements WorkerLike {
  private listener: Listener = () => {};
  private gateNext = false;
  /** The open whose messages are held. */
  private gated: number | null = null;
  private held: WorkerMessage[] = [];
  private drawn: RequestMessage[] = [];

  // No test outwaits this: the full model comes only after 'drawn'.
  constructor(readonly session = new Session({ storage: memoryStorage(), drawPauseMs: 600_000 })) {}

  postMessage(msg: RequestMessage): void {
    const req = msg.request;
    if (req.type === 'open' && this.gateNext) {
      this.gated = msg.id;
      this.gateNext = false;
    }
    if (req.type === 'drawn' && req.target === this.gated) {
      this.drawn.push(msg);
      return;
    }
    void handle(this.session, msg.id, req, (m) => {
      if (idOf(m) === this.gated) this.held.push(m);
      else this.deliver(m);
    });
  }

  addEventListener(type: string, fn: (e: never) => void): void {
    if (type === 'message') this.listener = fn as Listener;
  }

  terminate(): void {}

  /** Holds every message of the next open request until released. */
  gateNextOpen(): void {
    this.gateNext = true;
  }

  /** Waits until the worker has sent a held message matching `pred` (an open ends in at most seconds). */
  async sent(pred: (m: WorkerMessage) => boolean): Promise<void> {
    for (let i = 0; i < 3000 && !this.held.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
    if (!this.held.some(pred)) throw new Error('the gated open never sent the message waited for');
  }

  /** Lets the held messages through up to and including the first matching `pred`. */
  async through(pred: (m: WorkerMessage) => boolean): Promise<void> {
    const at = this.held.findIndex(pred);
    if (at < 0) throw new Error('no such held message');
    for (const m of this.held.splice(0, at + 1)) this.deliver(m);
    // The store takes them, then sends 'drawn' after a (missing) paint.
    for (let i = 0; i < 3; i++) await tick();
  }

  /** Lets everything through and stops holding. */
  release(): void {
    this.gated = null;
    for (const m of this.held.splice(0)) this.deliver(m);
    for (const msg of this.drawn.splice(0)) this.postMessage(msg);
  }

  private deliver(m: WorkerMessage): void {
    queueMicrotask(() => this.listener({ data: m } as MessageEvent<WorkerMessage>));
  }
}

export const isEvent = (type: 'devices' | 'outline') => (m: WorkerMessage) => m.kind === 'event' && m.event.type === type;

export interface Harness {
  store: ExplorerStore;
  gate: OpenGate;
  saved: { blob: Blob; name: string }[];
}

/** `confirm`: the person's answer to each question the store asks (default: yes). */
export function gatedStore(confirm: (message: string) => boolean = () => true): Harness {
  const gate = new OpenGate();
  const saved: Harness['saved'] = [];
  const store = createExplorerStore({
    worker: new WorkerClient(gate),
    confirm,
    fetchBlob: async () => new Blob([]),
    saveBlob: (blob, name) => saved.push({ blob, name }),
  });
  return { store, gate, saved };
}

/**
 * Starts opening `file` and holds the open at `phase` ('done': lets it finish). The worker has
 * sent its outline and waits for 'drawn' in every held phase. `opening`: the open's promise.
 */
export async function openHeldAt(h: Harness, file: Blob, name: string, phase: Exclude<OpenPhase, 'none'>): Promise<{ opening: Promise<void> }> {
  h.gate.gateNextOpen();
  const opening = h.store.getState().openFile(file, name);
  await h.gate.sent(isEvent('outline'));
  if (phase === 'devices') await h.gate.through(isEvent('devices'));
  if (phase === 'outline') await h.gate.through(isEvent('outline'));
  if (phase === 'done') {
    h.gate.release();
    await opening;
  }
  return { opening };
}
