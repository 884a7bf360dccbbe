// Decompresses a container's stream front to back into a sink (a spill file), never holding it
// whole. The decompressor is a Web Streams transform supplied by the environment
// (DecompressionStream in the worker, node:zlib or an npm decoder in the CLI), so this stays pure.
// A stream that ends early, a corrupt one, a bomb and a full disk each end the run with a problem;
// everything decoded before it stays in the sink.

import type { ByteSource } from '../byte-source.ts';
import { CancelledError, makeProblem, type Problem } from '../errors.ts';
import type { Codec } from './types.ts';

export interface InflateLimits {
  /** Output may exceed input by at most this factor (a decompression bomb is far above it)... */
  maxRatio: number;
  /** ...once at least this much has come out (zero-page runs of a small guest compress well). */
  ratioFrom: number;
  /** The sink's room (the storage quota or the free disk space), in bytes. */
  maxBytes: number;
}

export const DEFAULT_LIMITS: InflateLimits = { maxRatio: 1000, ratioFrom: 64 << 20, maxBytes: Number.MAX_SAFE_INTEGER };

export interface InflateResult {
  /** Compressed bytes handed to the decompressor, and decompressed bytes written to the sink. */
  consumed: number;
  produced: number;
  problem?: Problem;
}

export interface InflateOptions {
  limits?: Partial<InflateLimits>;
  signal?: AbortSignal;
  onProgress?(consumed: number, produced: number): void;
  sliceSize?: number;
}

class Stop extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/** Pushes `[offset, offset + size)` of `source` through `codec` into `sink`. */
export async function inflate(
  source: ByteSource, offset: number, size: number, codec: Codec,
  decoder: ReadableWritablePair<Uint8Array, Uint8Array>, sink: (chunk: Uint8Array) => Promise<void>, opts: InflateOptions = {},
): Promise<InflateResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const slice = opts.sliceSize ?? 1 << 20;
  const writer = decoder.writable.getWriter();
  const reader = decoder.readable.getReader();
  let consumed = 0;
  let produced = 0;
  let inputDone = false;
  let stopped: Problem | undefined;
  const feed = (async () => {
    for (let at = 0; at < size && !stopped; at += slice) {
      if (opts.signal?.aborted) throw new CancelledError();
      const chunk = await source.read(offset + at, Math.min(slice, size - at));
      await writer.write(chunk.slice());
      consumed = at + chunk.length;
    }
    inputDone = true;
    if (!stopped) await writer.close();
  })();
  // A failed read must end the decoder too, or the output side would wait for input forever.
  feed.catch((e) => writer.abort(e).catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (opts.signal?.aborted) throw new CancelledError();
      produced += value.length;
      if (produced > limits.maxBytes) {
        throw new Stop(makeProblem('limit', offset + consumed, `room for the decompressed stream: ${limits.maxBytes} bytes of storage are available and the stream is larger (stopped at stream byte ${produced - value.length})`));
      }
      if (produced >= limits.ratioFrom && produced > limits.maxRatio * Math.max(consumed, 1)) {
        throw new Stop(makeProblem('limit', offset + consumed, `at most ${limits.maxRatio} times expansion, but ${consumed} compressed bytes gave ${produced} (a decompression bomb?); stopped`));
      }
      await sink(value);
      opts.onProgress?.(consumed, produced);
    }
    await feed;
    opts.onProgress?.(consumed, produced);
    return { consumed, produced };
  } catch (e) {
    if (e instanceof CancelledError || opts.signal?.aborted) {
      await abortAll(reader, writer);
      throw new CancelledError();
    }
    const problem = e instanceof Stop ? e.problem : decodeProblem(e, codec, offset, size, consumed, inputDone, produced);
    stopped = problem;
    await abortAll(reader, writer);
    return { consumed, produced, problem };
  }
}

/** A decoder that fails after the whole input went in met its end early: the file is truncated. */
function decodeProblem(e: unknown, codec: Codec, offset: number, size: number, consumed: number, inputDone: boolean, produced: number): Problem {
  const why = e instanceof Error ? e.message : String(e);
  if (inputDone) return makeProblem('truncated', offset + size, `the rest of the ${codec} stream (its end marker), after ${produced} decompressed bytes (${why})`);
  return makeProblem('bad-compressed', offset + consumed, `valid ${codec} data within the ${consumed} bytes read so far, after ${produced} decompressed bytes (${why})`);
}

async function abortAll(reader: ReadableStreamDefaultReader<Uint8Array>, writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void> {
  await reader.cancel().catch(() => undefined);
  await writer.abort().catch(() => undefined);
}
