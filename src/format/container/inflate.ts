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
  sliceSize?: number;
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
  const emit: Emit = (out) => {
    if (produced + out.length > limits.maxBytes) {
      throw new Stop(makeProblem('limit', offset + consumed, `room for the decompressed stream: the storage quota leaves ${limits.maxBytes} bytes and the stream is larger (stopped at stream offset ${produced}; the sections before it are kept)`));
    }
    produced += out.length;
    if (produced >= limits.ratioFrom && produced > limits.maxRatio * Math.max(consumed, 1)) {
      throw new Stop(makeProblem('limit', offset + consumed, `at most ${limits.maxRatio} times expansion, but ${consumed} compressed bytes gave ${produced} (a decompression bomb?); stopped at stream offset ${produced}, the sections before it are kept`));
    }
    try {
      sink(out);
    } catch (e) {
      // The sink is the spill: a failed write is the storage running out (quota, full disk).
      throw new Stop(makeProblem('limit', offset + consumed, `room for the decompressed stream: ${e instanceof Error ? e.message : String(e)} (stopped at stream offset ${produced - out.length}; the sections before it are kept)`));
    }
  };
  const decoder = await (opts.decoder ?? decoderFor)(codec, emit);
  const slice = opts.sliceSize ?? decoder.slice;
  try {
    for (let at = 0; at < size; ) {
      if (opts.signal?.aborted) throw new CancelledError();
      const chunk = await source.read(offset + at, Math.min(slice, size - at));
      if (chunk.length === 0) break;
      consumed = at + chunk.length;
      await decoder.push(chunk);
      at = consumed;
      opts.onProgress?.(consumed, produced);
    }
    inputDone = true;
    await decoder.end();
    opts.onProgress?.(consumed, produced);
    return { consumed, produced };
  } catch (e) {
    await decoder.cancel();
    if (e instanceof CancelledError || opts.signal?.aborted) throw new CancelledError();
    if (e instanceof Stop) return { consumed, produced, problem: e.problem };
    if (!(e instanceof CodecError)) throw e;
    return { consumed, produced, problem: decodeProblem(e, codec, offset, size, consumed, inputDone, produced) };
  }
}

/** A decoder that fails after the whole input went in met its end early: the file is truncated. */
function decodeProblem(e: CodecError, codec: Codec, offset: number, size: number, consumed: number, inputDone: boolean, produced: number): Problem {
  if (e.truncated || inputDone) return makeProblem('truncated', offset + size, `the rest of the ${codec} stream (its end marker), after ${produced} decompressed bytes, stream offset ${produced} (${e.message})`);
  const at = offset + (e.at ?? consumed);
  return makeProblem('bad-compressed', at, `valid ${codec} data${e.at === undefined ? ` within the ${consumed} bytes read so far` : ''}, after ${produced} decompressed bytes, stream offset ${produced} (${e.message})`);
}
