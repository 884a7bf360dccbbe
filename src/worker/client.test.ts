import { describe, expect, it } from 'vitest';
import { WorkerClient, WorkerRequestError, isCancelled, type WorkerLike } from './client.ts';
import type { RequestMessage, WorkerMessage } from './protocol.ts';

class FakeWorker implements WorkerLike {
  sent: { msg: RequestMessage; transfer: Transferable[] }[] = [];
  terminated = false;
  private onMessage: (e: MessageEvent<WorkerMessage>) => void = () => {};
  private onError: (e: ErrorEvent) => void = () => {};
  postMessage(msg: RequestMessage, transfer: Transferable[]) {
    this.sent.push({ msg, transfer });
  }
  addEventListener(type: 'message' | 'error', fn: (e: MessageEvent<WorkerMessage> & ErrorEvent) => void) {
    if (type === 'message') this.onMessage = fn as (e: MessageEvent<WorkerMessage>) => void;
    else this.onError = fn as (e: ErrorEvent) => void;
  }
  terminate() {
    this.terminated = true;
  }
  reply(msg: WorkerMessage) {
    this.onMessage({ data: msg } as MessageEvent<WorkerMessage>);
  }
  crash(message: string) {
    this.onError({ message } as ErrorEvent);
  }
}

describe('WorkerClient', () => {
  it('numbers requests, routes progress to its request and resolves with the reply', async () => {
    const w = new FakeWorker();
    const c = new WorkerClient(w);
    const seen: number[] = [];
    const file = new Blob(['x']);
    const a = c.request({ type: 'open', file, name: 'a' }, { onProgress: (s) => seen.push(s) });
    const b = c.request({ type: 'bytes', generation: 1, offset: 0, length: 1 });
    expect(w.sent.map((s) => s.msg.id)).toEqual([a.id, b.id]);
    expect(a.id).not.toBe(b.id);
    w.reply({ kind: 'event', event: { type: 'progress', id: a.id, scanned: 5, total: 10 } });
    w.reply({ kind: 'event', event: { type: 'progress', id: b.id, scanned: 7, total: 10 } });
    const bytes = new Uint8Array([9]);
    w.reply({ kind: 'reply', id: b.id, ok: true, value: { offset: 0, bytes } });
    await expect(b.result).resolves.toEqual({ offset: 0, bytes });
    expect(seen).toEqual([5]);
    expect(c.pending).toBe(1);
  });

  it('rejects with the worker error code and fails everything open when the worker dies', async () => {
    const w = new FakeWorker();
    const c = new WorkerClient(w);
    const a = c.request({ type: 'open', file: new Blob([]), name: 'a' });
    w.reply({ kind: 'reply', id: a.id, ok: false, error: { code: 'cancelled', message: 'Cancelled' } });
    const err = await a.result.catch((e) => e);
    expect(err).toBeInstanceOf(WorkerRequestError);
    expect(isCancelled(err)).toBe(true);

    const b = c.request({ type: 'bytes', generation: 1, offset: 0, length: 1 });
    w.crash('boom');
    await expect(b.result).rejects.toThrow('Worker error: boom');
    expect(c.pending).toBe(0);
  });

  it('sends cancel as its own request and passes transfer lists through', async () => {
    const w = new FakeWorker();
    const c = new WorkerClient(w);
    const buf = new ArrayBuffer(8);
    const bytes = c.request({ type: 'bytes', generation: 1, offset: 0, length: 1 }, { transfer: [buf] });
    expect(w.sent[0].transfer).toEqual([buf]);
    const cancelled = c.cancel(41);
    expect(w.sent[1].msg.request).toEqual({ type: 'cancel', target: 41 });
    w.reply({ kind: 'reply', id: w.sent[1].msg.id, ok: true, value: { cancelled: true } });
    await expect(cancelled).resolves.toBe(true);
    c.dispose();
    expect(w.terminated).toBe(true);
    await expect(bytes.result).rejects.toThrow('Worker stopped');
  });
});
