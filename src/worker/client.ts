// The page's side of the protocol: numbered requests, one promise each, progress callbacks.

import type { CompareEvent, EarlyModelEvent, ErrorCode, Replies, RequestMessage, RequestOf, RequestType, WorkerMessage } from './protocol.ts';

export interface WorkerLike {
  postMessage(msg: RequestMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<WorkerMessage>) => void): void;
  addEventListener(type: 'error', fn: (e: ErrorEvent) => void): void;
  terminate(): void;
}

export class WorkerRequestError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof WorkerRequestError && e.code === 'cancelled';
}

export interface Pending<T> {
  id: number;
  result: Promise<T>;
}

export interface RequestOptions {
  onProgress?: (scanned: number, total: number, produced?: number) => void;
  /** An open's devices-first model (or why there is none) and its outline, before its reply. */
  onEarlyModel?: (e: EarlyModelEvent) => void;
  /** A comparison's devices and progress before its reply. */
  onCompare?: (e: CompareEvent) => void;
  transfer?: Transferable[];
}

interface Waiter {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onProgress?: RequestOptions['onProgress'];
  onEarlyModel?: RequestOptions['onEarlyModel'];
  onCompare?: RequestOptions['onCompare'];
}

export class WorkerClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (e) => this.receive(e.data));
    // An uncaught error inside the worker: nothing will answer the open requests, so fail them.
    worker.addEventListener('error', (e) => this.failAll(`Worker error: ${e.message}`));
  }

  request<T extends RequestType>(request: RequestOf<T>, opts: RequestOptions = {}): Pending<Replies[T]> {
    const id = this.nextId++;
    const result = new Promise<Replies[T]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: never) => void, reject, onProgress: opts.onProgress, onEarlyModel: opts.onEarlyModel, onCompare: opts.onCompare });
    });
    this.worker.postMessage({ id, request }, opts.transfer ?? []);
    return { id, result };
  }

  /** Asks the worker to abort request `id`; it still answers `id` (with 'cancelled'). */
  cancel(id: number): Promise<boolean> {
    return this.request({ type: 'cancel', target: id }).result.then((r) => r.cancelled);
  }

  get pending(): number {
    return this.waiting.size;
  }

  dispose(): void {
    this.failAll('Worker stopped');
    this.worker.terminate();
  }

  private receive(msg: WorkerMessage): void {
    if (msg.kind === 'event') {
      const e = msg.event;
      const w = this.waiting.get(e.id);
      if (e.type === 'progress') w?.onProgress?.(e.scanned, e.total, e.produced);
      else if (e.type === 'compare-devices' || e.type === 'compare-progress') w?.onCompare?.(e);
      else w?.onEarlyModel?.(e);
      return;
    }
    const w = this.waiting.get(msg.id);
    if (!w) return;
    this.waiting.delete(msg.id);
    if (msg.ok) w.resolve(msg.value as never);
    else w.reject(new WorkerRequestError(msg.error.code, msg.error.message));
  }

  private failAll(message: string): void {
    for (const w of this.waiting.values()) w.reject(new WorkerRequestError('failed', message));
    this.waiting.clear();
  }
}

export function startScanWorker(): WorkerClient {
  const worker = new Worker(new URL('./entry.ts', import.meta.url), { type: 'module', name: 'vmstate-scan' });
  return new WorkerClient(worker as WorkerLike);
}
