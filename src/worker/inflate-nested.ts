// Decompression in a nested worker (issue #11): the decode worker spawns one per compressed open,
// the nested one reads the file and runs the codec (format/container/inflate.ts), and its output
// comes back in whole batches by transfer, so the decompressor and the spill's writes (and the
// scan after them) run on two threads without a copy between them. Back-pressure: the nested
// worker waits after a push while DEPTH batches are unacknowledged; the decode worker hands each
// batch back once written, so both sides reuse the same few ArrayBuffers and the memory in flight
// is DEPTH batches plus one push's output (codecs keep that small: decoder.ts `slice`).

import { blobSource } from '../format/byte-source.ts';
import { CancelledError } from '../format/errors.ts';
import type { DecodingCodec } from '../format/container/codecs/decoder.ts';
import { inflate, spaceProblem, type InflateLimits, type InflateResult } from '../format/container/inflate.ts';

/** Bytes per batch: the spill's own write size (spill.ts BATCH), so each batch is one write. */
export const NESTED_BATCH = 1 << 20;
/** Batches in flight at most before the nested worker waits: 4 MiB, enough to ride over a slow write. */
export const NESTED_DEPTH = 4;
/**
 * The wait comes between pushes: a decoder emits a push's whole output synchronously, so one
 * push of a bomb could queue gigabytes here (the inline path writes them to disk instead). Pushes
 * are kept this small, and more than 1000 times their size waiting is stopped as a bomb (the
 * ratio inflate.ts DEFAULT_LIMITS stops over the whole stream, here over one push): 32 MiB.
 */
export const NESTED_SLICE = 32 << 10;
const MAX_RATIO = 1000;

export interface InflateJob {
  file: Blob;
  offset: number;
  size: number;
  codec: DecodingCodec;
  limits?: Partial<InflateLimits>;
  /** Batch size and depth: the defaults above, smaller in tests. */
  batch?: number;
  depth?: number;
}

export type ToNested = { type: 'start'; job: InflateJob } | { type: 'ack'; buffer: ArrayBuffer } | { type: 'cancel' };
export type FromNested =
  | { type: 'data'; buffer: ArrayBuffer; length: number; consumed: number }
  | { type: 'done'; result: InflateResult }
  | { type: 'failed'; message: string };

/** What both ends need of a port: a DedicatedWorkerGlobalScope, a Worker, a MessagePort. */
export interface NestedPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}

/** The nested worker's side: runs the one job it is sent, answering with batches and an end. */
export function serveInflate(port: NestedPort): void {
  const abort = new AbortController();
  const free: ArrayBuffer[] = [];
  let inFlight = 0;
  let depth = NESTED_DEPTH;
  let wake: (() => void) | null = null;
  const resume = () => {
    wake?.();
    wake = null;
  };
  port.onmessage = (e: MessageEvent<ToNested>) => {
    const m = e.data;
    if (m.type === 'ack') {
      inFlight--;
      // Keep only what the steady state reuses; a bomb's long push made more, dropped here.
      if (free.length <= depth) free.push(m.buffer);
      resume();
    } else if (m.type === 'cancel') {
      abort.abort();
      resume();
    } else void run(m.job);
  };
  async function run(job: InflateJob): Promise<void> {
    const size = job.batch ?? NESTED_BATCH;
    depth = job.depth ?? NESTED_DEPTH;
    const take = () => new Uint8Array(free.pop() ?? new ArrayBuffer(size));
    let batch = take();
    let filled = 0;
    let consumed = 0;
    const send = () => {
      if (filled === 0) return;
      inFlight++;
      port.postMessage({ type: 'data', buffer: batch.buffer, length: filled, consumed } satisfies FromNested, [batch.buffer as ArrayBuffer]);
      batch = take();
      filled = 0;
    };
    // The decoder's piece is valid only during the call: copied into batches (the one copy, which
    // the inline path's spill batch makes too).
    const maxQueued = MAX_RATIO * NESTED_SLICE;
    const sink = (chunk: Uint8Array) => {
      if ((inFlight - depth) * size + filled + chunk.length > maxQueued) {
        throw new Error(`at most ${MAX_RATIO} times expansion per push of ${NESTED_SLICE} compressed bytes, but ${maxQueued} bytes came out of one and wait for the spill (a decompression bomb?)`);
      }
      for (let p = 0; p < chunk.length; ) {
        const n = Math.min(chunk.length - p, size - filled);
        batch.set(chunk.subarray(p, p + n), filled);
        filled += n;
        p += n;
        if (filled === size) send();
      }
    };
    const drain = async () => {
      while (inFlight >= depth && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
    };
    try {
      // One BYOB stream of the file whatever its size (container-open.ts says why).
      const result = await inflate(blobSource(job.file, 0), job.offset, job.size, job.codec, sink, {
        limits: job.limits, signal: abort.signal, drain, finish: send, onProgress: (c) => void (consumed = c), sliceSize: NESTED_SLICE,
      });
      port.postMessage({ type: 'done', result } satisfies FromNested, []);
    } catch (e) {
      port.postMessage({ type: 'failed', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } satisfies FromNested, []);
    }
  }
}

/** The decode worker's view of the nested worker. */
export interface NestedWorker extends NestedPort {
  onerror: ((e: ErrorEvent | Event) => void) | null;
  onmessageerror: ((e: MessageEvent) => void) | null;
  terminate(): void;
}

/** The nested worker failed before it sent anything: nothing is written, the caller may decompress itself. */
export class NestedUnavailable extends Error {
  override name = 'NestedUnavailable';
}

export interface NestedOptions {
  signal?: AbortSignal;
  onProgress?(consumed: number, produced: number): void;
}

/**
 * Runs `job` in `worker`, writing each batch with `write` (the spill's synchronous write) before
 * handing it back. Settles once, and always terminates the worker: with the result (a problem of
 * the stream, or the spill refusing a write, inside it), CancelledError, NestedUnavailable, or an
 * Error naming where a nested worker that failed midway stopped.
 */
export function inflateNested(worker: NestedWorker, job: InflateJob, write: (chunk: Uint8Array) => void, opts: NestedOptions = {}): Promise<InflateResult> {
  let consumed = 0;
  let produced = 0;
  return new Promise<InflateResult>((resolve, reject) => {
    const end = (settle: () => void) => {
      opts.signal?.removeEventListener('abort', onAbort);
      worker.onmessage = worker.onerror = worker.onmessageerror = null;
      worker.terminate();
      settle();
    };
    const onAbort = () => end(() => reject(new CancelledError()));
    const failed = (why: string) => end(() => {
      if (produced === 0) return reject(new NestedUnavailable(`the decompression worker failed before its first output: ${why}`));
      reject(new Error(`the decompression worker failed at compressed byte ${job.offset + consumed}, stream offset ${produced}: ${why}`));
    });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    worker.onerror = (e) => failed((e as { message?: string }).message || 'its script failed to load or threw');
    worker.onmessageerror = () => failed('a message could not be read');
    worker.onmessage = (e: MessageEvent<FromNested>) => {
      const m = e.data;
      if (m.type === 'failed') return failed(m.message);
      if (m.type === 'done') {
        if (m.result.produced !== produced) return failed(`it reported ${m.result.produced} bytes and sent ${produced}`);
        return end(() => {
          opts.onProgress?.(m.result.consumed, m.result.produced);
          resolve(m.result);
        });
      }
      consumed = m.consumed;
      try {
        write(new Uint8Array(m.buffer, 0, m.length));
      } catch (err) {
        // The spill refused the write (the quota, a full disk): what was written before it stays.
        const problem = spaceProblem(err, job.offset + consumed, produced);
        return end(() => resolve({ consumed, produced, problem }));
      }
      produced += m.length;
      opts.onProgress?.(consumed, produced);
      worker.postMessage({ type: 'ack', buffer: m.buffer } satisfies ToNested, [m.buffer]);
    };
    worker.postMessage({ type: 'start', job } satisfies ToNested, []);
  });
}
