// Decompression in a nested worker (issue #11): the decode worker spawns one per compressed open,
// the nested one reads the file and runs the codec (format/container/inflate.ts), and its output
// comes back in whole batches by transfer, so the file's reads and the decompressor run on one
// thread and the spill's writes (and the scan after them) on the other, with no compressed byte
// crossing between them. Back-pressure: the nested worker waits while DEPTH batches are
// unacknowledged (between pushes, or at push-gate.ts for gzip); the decode worker hands each
// batch back once written, so both sides reuse the same few ArrayBuffers and the memory in flight
// is DEPTH batches plus one push's output (codecs keep that small: decoder.ts `slice`).

import { blobSource } from '../format/byte-source.ts';
import { CancelledError } from '../format/errors.ts';
import { decoderFor, type DecodingCodec, type Emit } from '../format/container/codecs/decoder.ts';
import { inflate, spaceProblem, type InflateLimits, type InflateResult } from '../format/container/inflate.ts';
import { GATE_AHEAD, gatePushes, type PushGate } from './push-gate.ts';

/** Bytes per batch: the spill's own write size (spill.ts BATCH), so each batch is one write. */
export const NESTED_BATCH = 1 << 20;
/** Batches in flight at most before the nested worker waits: 4 MiB, enough to ride over a slow write. */
export const NESTED_DEPTH = 4;
/**
 * gzip's batches are its DecompressionStream's own output pieces, moved rather than copied (see
 * `owned` below): 4 MiB of them per message, 3 in flight. Each message costs this thread ~0.3-0.6
 * ms whatever it carries (CPU-loaded VM): with 1 MiB ones the posting took 43-83 ms of a 128 MiB
 * open and the waits for acknowledgements 40-55 ms; with these 23-27 ms and 4-19 ms.
 */
const OWNED_BATCH = 4 << 20;
const OWNED_DEPTH = 3;
/**
 * The wait comes between pushes: a decoder emits a push's whole output synchronously, so one
 * push of a bomb could queue gigabytes here (the inline path writes them to disk instead). Pushes
 * are kept this small, and more than 1000 times their size waiting is stopped as a bomb (the
 * ratio inflate.ts DEFAULT_LIMITS stops over the whole stream, here over one push): 32 MiB.
 */
export const NESTED_SLICE = 32 << 10;
const MAX_RATIO = 1000;
/**
 * A queueing decoder (gzip: push-gate.ts) may have GATE_AHEAD + 1 pushes' output on its way while
 * the writer lags, and deflate itself expands up to 1032:1, so a legitimate stream near that
 * limit (pages of zeros) queues up to ~65 MiB. Only what decodes in the nested worker holds it.
 */
const QUEUED_RATIO = 1040 * (GATE_AHEAD + 1);

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

export type ToNested = { type: 'start'; job: InflateJob } | { type: 'ack'; buffer?: ArrayBuffer } | { type: 'cancel' };
export type FromNested =
  | { type: 'data'; buffer: ArrayBuffer; length: number; consumed: number }
  /** The decoder's own output pieces, handed over whole (gzip: see `owned` below). */
  | { type: 'data'; parts: ArrayBuffer[]; length: number; consumed: number }
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
  let gate: PushGate | null = null;
  port.onmessage = (e: MessageEvent<ToNested>) => {
    const m = e.data;
    if (m.type === 'ack') {
      inFlight--;
      // Keep only what the steady state reuses; a bomb's long push made more, dropped here.
      if (m.buffer && free.length <= depth) free.push(m.buffer);
      resume();
      gate?.open();
    } else if (m.type === 'cancel') {
      abort.abort();
      resume();
      gate?.cancel();
    } else void run(m.job);
  };
  async function run(job: InflateJob): Promise<void> {
    /**
     * The browser's DecompressionStream enqueues each piece of output on an ArrayBuffer of its own
     * (Compression Streams: "enqueue ... a new Uint8Array"; Chromium's InflateTransformer copies
     * its 64 KiB buffer into a new array), which nothing reuses: those go to the decode worker as
     * they are, so this thread copies nothing and the spill's batch makes the one copy there.
     */
    const owned = job.codec === 'gzip';
    const size = job.batch ?? (owned ? OWNED_BATCH : NESTED_BATCH);
    depth = job.depth ?? (owned ? OWNED_DEPTH : NESTED_DEPTH);
    const take = () => new Uint8Array(free.pop() ?? new ArrayBuffer(size));
    let parts: ArrayBuffer[] = [];
    let batch = owned ? new Uint8Array(0) : take();
    let filled = 0;
    let consumed = 0;
    const send = () => {
      if (filled === 0) return;
      inFlight++;
      if (owned) {
        port.postMessage({ type: 'data', parts, length: filled, consumed } satisfies FromNested, parts);
        parts = [];
      } else {
        port.postMessage({ type: 'data', buffer: batch.buffer, length: filled, consumed } satisfies FromNested, [batch.buffer as ArrayBuffer]);
        batch = take();
      }
      filled = 0;
    };
    // The other decoders' pieces are valid only during the call: copied into batches (the one
    // copy, which the inline path's spill batch makes too).
    let ratio = MAX_RATIO;
    const sink = (chunk: Uint8Array) => {
      const maxQueued = ratio * NESTED_SLICE;
      if ((inFlight - depth) * size + filled + chunk.length > maxQueued) {
        throw new Error(`at most ${ratio} times expansion per push of ${NESTED_SLICE} compressed bytes, but ${maxQueued} bytes came out and wait for the spill (a decompression bomb?)`);
      }
      if (owned) {
        // A view of part of a buffer (Node's zlib slices one) is copied: only whole buffers move.
        parts.push(chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? (chunk.buffer as ArrayBuffer) : chunk.slice().buffer);
        filled += chunk.length;
        if (filled >= size) send();
        return;
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
      // A decoder that queues its pushes gets them through the gate instead of a drain (inflate
      // queues a read's pushes only without one), the others wait for the writer between pushes.
      let emitTo: Emit = sink;
      const decoder = await decoderFor(job.codec, (out) => emitTo(out));
      const queued = decoder.queued === true;
      if (queued) {
        gate = gatePushes(decoder, () => inFlight >= depth || abort.signal.aborted);
        ratio = QUEUED_RATIO;
      }
      // One BYOB stream of the file whatever its size (container-open.ts says why). Read here,
      // not by the decode worker in 4 MiB blocks handed over (gz8's parent-reads.ts): that took
      // no CPU off this thread with a stream (418-477 ms against 433-445 for realistic gzip) and
      // made it wait for the decode worker's turn (scripts/bench-ab.ts, 7 rounds at load 8-10:
      // realistic gzip 1,185 ms against 849, random 772 against 646).
      const result = await inflate(blobSource(job.file, 0), job.offset, job.size, job.codec, sink, {
        limits: job.limits, signal: abort.signal, drain: queued ? undefined : drain, finish: send, onProgress: (c) => void (consumed = c), sliceSize: NESTED_SLICE,
        decoder: async (_codec, emit) => ((emitTo = emit), gate?.decoder ?? decoder),
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

type Writer = (chunk: Uint8Array) => void;

export interface NestedOptions {
  signal?: AbortSignal;
  onProgress?(consumed: number, produced: number): void;
}

/**
 * Runs `job` in `worker`, writing each batch with `write` (the spill's synchronous write) before
 * handing it back. `write` may come later (the spill still opening while the nested worker starts
 * decoding): the batches that arrive before it wait, DEPTH at most, as they would for a slow
 * write. A failure to provide it is a failure of the run. Settles once, and always terminates the worker: with the result (a problem of
 * the stream, or the spill refusing a write, inside it), CancelledError, NestedUnavailable, or an
 * Error naming where a nested worker that failed midway stopped.
 */
export function inflateNested(worker: NestedWorker, job: InflateJob, writer: Writer | Promise<Writer>, opts: NestedOptions = {}): Promise<InflateResult> {
  let consumed = 0;
  let produced = 0;
  let write = typeof writer === 'function' ? writer : null;
  let over = false;
  return new Promise<InflateResult>((resolve, reject) => {
    const end = (settle: () => void) => {
      over = true;
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
    const held: FromNested[] = [];
    if (!write) {
      (writer as Promise<Writer>).then((w) => {
        write = w;
        for (const m of held.splice(0)) if (!over) take(m);
      }, (e) => !over && end(() => reject(e)));
    }
    worker.onmessage = (e: MessageEvent<FromNested>) => {
      const m = e.data;
      if (write) take(m);
      else held.push(m);
    };
    const take = (m: FromNested) => {
      if (m.type === 'failed') return failed(m.message);
      if (m.type === 'done') {
        if (m.result.produced !== produced) return failed(`it reported ${m.result.produced} bytes and sent ${produced}`);
        return end(() => {
          opts.onProgress?.(m.result.consumed, m.result.produced);
          resolve(m.result);
        });
      }
      consumed = m.consumed;
      const pieces = 'parts' in m ? m.parts.map((b) => new Uint8Array(b)) : [new Uint8Array(m.buffer, 0, m.length)];
      for (const piece of pieces) {
        try {
          write!(piece);
        } catch (err) {
          // The spill refused the write (the quota, a full disk): what was written before it stays.
          const problem = spaceProblem(err, job.offset + consumed, produced);
          return end(() => resolve({ consumed, produced, problem }));
        }
        produced += piece.length;
      }
      opts.onProgress?.(consumed, produced);
      if ('parts' in m) worker.postMessage({ type: 'ack' } satisfies ToNested, []);
      else worker.postMessage({ type: 'ack', buffer: m.buffer } satisfies ToNested, [m.buffer]);
    };
    worker.postMessage({ type: 'start', job } satisfies ToNested, []);
  });
}
