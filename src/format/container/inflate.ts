// Decompresses a container's stream front to back into a sink (a spill file), never holding it
// whole, through the one decoder per codec that the worker and the CLI share (codecs/).
// A stream that ends early, a corrupt one, a bomb and a full disk each end the run with a problem;
// everything decoded before it stays in the sink.

import type { ByteSource } from '../byte-source.ts';
import { CancelledError, makeProblem, type Problem } from '../errors.ts';
import { CodecError, decoderFor, type Decoder, type DecodingCodec, type Emit } from './codecs/decoder.ts';
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
  /** Compressed bytes per push into the decoder (default: the decoder's own `slice`). */
  sliceSize?: number;
  /**
   * Back-pressure of a sink that writes in the background (the CLI's spill, through Node's thread
   * pool): awaited after each push and at the end, so at most the sink's own few buffers wait
   * for the disk; its rejection is a failed write, reported as the storage running out.
   */
  drain?(): Promise<void>;
  /**
   * Called once after the decoder's end: the sink writes what it gathered (the worker's spill
   * batches its writes, the CLI's waits for its writes in flight). A failure is a limit problem.
   */
  finish?(): Promise<void> | void;
}

/** The sink refused a write (the storage quota, a full disk), at file offset `at` and stream offset `produced`. */
export function spaceProblem(e: unknown, at: number, produced: number): Problem {
  return makeProblem('limit', at, `room for the decompressed stream: ${e instanceof Error ? e.message : String(e)} (stopped at stream offset ${produced}; the sections before it are kept)`);
}

class Stop extends Error {
  override name = 'Stop';
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/** Makes the decoder for a codec, given where its output goes (codecs/decoder.ts `decoderFor`). */
export type DecoderFactory = (codec: DecodingCodec, emit: Emit) => Promise<Decoder>;

/**
 * Pushes `[offset, offset + size)` of `source` through `codec` into `sink`, which takes each piece
 * of output at once (a synchronous write: OPFS sync access handle, file descriptor), so neither
 * the decoder nor this loop holds the decompressed stream.
 */
export async function inflate(
  source: ByteSource, offset: number, size: number, codec: DecodingCodec,
  sink: (chunk: Uint8Array) => void, opts: InflateOptions & { decoder?: DecoderFactory } = {},
): Promise<InflateResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let consumed = 0;
  let produced = 0;
  let inputDone = false;
  // Runs inside the decoder, block by block: a bomb or a full disk stops it mid-block.
  const drain = async () => {
    try {
      await opts.drain?.();
    } catch (e) {
      throw new Stop(spaceProblem(e, offset + consumed, produced));
    }
  };
  const emit: Emit = (out) => {
    if (produced + out.length > limits.maxBytes) {
      throw new Stop(makeProblem('limit', offset + consumed, `room for the decompressed stream: the storage quota leaves ${limits.maxBytes} bytes and the stream is larger (stopped at stream offset ${produced}; the sections before it are kept)`));
    }
    // `produced` counts what the sink took: a chunk stopped here is not in the stream's size.
    const next = produced + out.length;
    if (next >= limits.ratioFrom && next > limits.maxRatio * Math.max(consumed, 1)) {
      throw new Stop(makeProblem('limit', offset + consumed, `at most ${limits.maxRatio} times expansion, but ${consumed} compressed bytes gave ${next} (a decompression bomb?); stopped at stream offset ${produced}, the sections before it are kept`));
    }
    try {
      sink(out);
    } catch (e) {
      // The sink is the spill: a failed write is the storage running out (quota, full disk).
      throw new Stop(spaceProblem(e, offset + consumed, produced));
    }
    produced = next;
  };
  const finish = async (): Promise<Problem | undefined> => {
    try {
      await opts.finish?.();
    } catch (e) {
      return spaceProblem(e, offset + consumed, produced);
    }
  };
  const decoder = await (opts.decoder ?? decoderFor)(codec, emit);
  const slice = opts.sliceSize ?? decoder.slice;
  const reads = readAhead(source, offset, size, Math.max(slice, READ), decoder.inputBuffer?.bind(decoder));
  /**
   * A decoder that queues (the browser's DecompressionStream) gets all of a read's pushes at once
   * and this waits for the last: awaited one by one, each 32 KiB push cost a round of promise
   * reactions and a turn of this loop, and the decoding ran at about half the speed of 1 MiB
   * writes. The decompressor still takes one push at a time (a written chunk is inflated whole
   * only once its reader has taken the output before it), so a bomb queues no more than before;
   * `consumed`, which the bomb check uses, counts the pushes settled and the one being decoded
   * (the next transform starts only after this loop emitted the output before it, some promise
   * reactions after the previous push settled), as the awaited pushes did.
   */
  const pushQueued = async (chunk: Uint8Array, at: number) => {
    let last: Promise<void> = Promise.resolve();
    let settled = at;
    for (let p = 0; p < chunk.length; p += slice) {
      if (opts.signal?.aborted) throw new CancelledError();
      const end = at + Math.min(chunk.length, p + slice);
      last = decoder.push(chunk.subarray(p, end - at)).then(() => {
        settled = end;
        consumed = Math.min(at + chunk.length, settled + slice);
      });
      // Awaited below through the last push, which fails too once one has (the pair's failure).
      last.catch(() => undefined);
    }
    consumed = Math.min(at + chunk.length, settled + slice);
    await last;
  };
  try {
    for (let at = 0; at < size; ) {
      if (opts.signal?.aborted) throw new CancelledError();
      const chunk = await reads.next(at);
      if (chunk.length === 0) break;
      // The decoder gets the read in pushes of its own size; the next read is already under way.
      if (decoder.queued && !opts.drain) {
        await pushQueued(chunk, at);
        at = consumed = at + chunk.length;
        opts.onProgress?.(consumed, produced);
        continue;
      }
      for (let p = 0; p < chunk.length; p += slice) {
        if (opts.signal?.aborted) throw new CancelledError();
        const piece = chunk.subarray(p, Math.min(chunk.length, p + slice));
        consumed = at + p + piece.length;
        await decoder.push(piece);
        await drain();
      }
      at = consumed;
      opts.onProgress?.(consumed, produced);
    }
    inputDone = true;
    await decoder.end();
    await drain();
    const problem = await finish();
    opts.onProgress?.(consumed, produced);
    return problem ? { consumed, produced, problem } : { consumed, produced };
  } catch (e) {
    reads.stop();
    await decoder.cancel();
    if (e instanceof CancelledError || opts.signal?.aborted) throw new CancelledError();
    let problem: Problem;
    if (e instanceof Stop) problem = e.problem;
    else if (e instanceof CodecError) problem = decodeProblem(e, codec, offset, size, consumed, inputDone, produced);
    else throw e;
    // What was decoded before the stop is kept: the sink writes what it gathered (its own
    // failure then is the same storage problem, or a later one).
    await finish();
    return { consumed, produced, problem };
  }
}

/**
 * Compressed bytes per file read. Reads are the slow part of a fast codec (each is a round trip to
 * the browser's file thread or Node's thread pool): 1 MiB reads, one ahead of the decoder, kept
 * zstd at the decompressor's own speed where 256 KiB reads waiting on the decoder halved it
 * (npm run bench).
 */
const READ = 1 << 20;

/**
 * Reads `[offset, offset + size)` front to back into three buffers used in turn (readInto where the
 * source has it: no fresh ArrayBuffer per read, so the worker makes no garbage of the input), the
 * next read starting as the previous one is handed out. A chunk stays valid until the read after
 * it is handed out, which is why decoders copy what they keep past a push (codecs/decoder.ts).
 */
function readAhead(source: ByteSource, offset: number, size: number, read: number, owned?: (length: number) => Promise<Uint8Array>) {
  // Reads in flight: two ahead, into our three buffers or a decoder's own (its buffers bound
  // them). Two, so that a read is always under way while the decoder works: with one, the read
  // done during a long push left the file's stream idle until the push ended, and in the worker
  // (a browser process feeding a data pipe) gzip's decoding then waited on its reads as long as
  // it decoded (a CPU profile of an open); on Node's thread pool a decoder on another thread
  // (zlib) finds its next input there even when this thread answers late (a shared machine).
  const depth = 2;
  const bufs: Uint8Array[] = source.readInto && !owned ? Array.from({ length: depth + 1 }, () => new Uint8Array(Math.min(read, size))) : [];
  let turn = 0;
  const queue: { at: number; end: number; chunk: Promise<Uint8Array> }[] = [];
  const start = (at: number) => {
    const length = Math.min(read, size - at);
    const i = turn;
    turn = (turn + 1) % (depth + 1);
    const chunk = source.readInto && owned
      ? owned(length).then((target) => source.readInto!(offset + at, target.subarray(0, length)))
      : source.readInto
      ? source.readInto(offset + at, bufs[i].subarray(0, length)).then((got) => {
          // A BYOB read hands the memory back on a new ArrayBuffer object (ByteSource.readInto).
          bufs[i] = new Uint8Array(got.buffer);
          return got;
        })
      : source.read(offset + at, length);
    chunk.catch(() => undefined); // awaited by next(), or dropped by stop()
    queue.push({ at, end: at + length, chunk });
  };
  return {
    async next(at: number): Promise<Uint8Array> {
      if (queue[0]?.at !== at) {
        queue.length = 0;
        start(at);
      }
      const chunk = await queue.shift()!.chunk;
      if (chunk.length > 0) {
        for (let from = queue.at(-1)?.end ?? at + chunk.length; queue.length < depth && from < size; from = queue.at(-1)!.end) start(from);
      }
      return chunk;
    },
    stop() {
      queue.length = 0;
    },
  };
}

/** A decoder that fails after the whole input went in met its end early: the file is truncated. */
function decodeProblem(e: CodecError, codec: Codec, offset: number, size: number, consumed: number, inputDone: boolean, produced: number): Problem {
  if (e.truncated || inputDone) return makeProblem('truncated', offset + size, `the rest of the ${codec} stream (its end marker), after ${produced} decompressed bytes, stream offset ${produced} (${e.message})`);
  const at = offset + (e.at ?? consumed);
  return makeProblem('bad-compressed', at, `valid ${codec} data${e.at === undefined ? ` within the ${consumed} bytes read so far` : ''}, after ${produced} decompressed bytes, stream offset ${produced} (${e.message})`);
}
