// A decoder that is a Web Streams pair (the platform's DecompressionStream, xz-decompress's
// XzReadableStream) behind the `Decoder` interface: input goes to the writable side, a read loop
// hands the readable side's chunks to `emit` as they come, and the first failure (of the
// decompressor, or of `emit`: a limit) ends the run and is what the next push or end throws.

import { CodecError, type Decoder, type Emit } from './decoder.ts';

/**
 * `copyInput`: whether the pair may still read a chunk after its write has settled, so each push
 * must hand it a copy (Decoder.push: the chunk is reused after). A transform stream's write
 * settles only once its transform has run on the chunk (WHATWG Streams, "TransformStream
 * DefaultSinkWriteAlgorithm"), and the Compression Streams standard's transform decompresses the
 * whole chunk in it ("decompress and enqueue a chunk"): Chromium's inflate_transformer.cc
 * inflates until zlib's avail_in is 0 before it returns. Node's DecompressionStream is a zlib
 * Duplex behind an adapter that settles a write as soon as zlib has queued it, so there a copy is
 * needed. In the worker the copy was a fresh ArrayBuffer per 32 KiB push, and fresh memory is
 * dear there: without it the worker's gzip decoding spends half the time (npm run bench).
 */
export function pairDecoder(pair: ReadableWritablePair<Uint8Array, Uint8Array>, emit: Emit, slice: number, name: string, copyInput = true): Decoder {
  const writer = pair.writable.getWriter();
  const reader = pair.readable.getReader();
  let failure: { error: unknown } | undefined;
  let ending = false;
  // A decompressor's own error becomes a CodecError (truncated when it came after the input
  // ended); what `emit` throws passes through unchanged.
  const fail = (e: unknown, fromEmit = false) => {
    if (failure) return;
    const message = e instanceof Error ? e.message : String(e);
    failure = { error: fromEmit || e instanceof CodecError ? e : new CodecError(`${name}: ${message}`, undefined, ending) };
  };
  const loop = (async () => {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (e) {
        fail(e);
        break;
      }
      if (next.done) break;
      try {
        emit(next.value);
      } catch (e) {
        fail(e, true);
        break;
      }
    }
    // Cancelling the output side errors the input side too, which releases a write waiting on
    // backpressure (aborting the writer would wait for that very write: a deadlock).
    if (failure) void reader.cancel(failure.error).catch(() => undefined);
  })();
  const check = () => {
    if (failure) throw failure.error;
  };
  return {
    slice,
    // Writes queue in the writable side; the transform takes the next only once the readable side
    // has no backpressure, i.e. once this loop has emitted the previous chunk's output (WHATWG
    // Streams, TransformStreamDefaultSinkWriteAlgorithm). Only where the pair reads a chunk within
    // its write (no copy): Node's settles a write before zlib has read it (see above).
    queued: !copyInput,
    async push(chunk) {
      check();
      await writer.write(copyInput ? chunk.slice() : chunk).catch((e) => fail(e));
      check();
    },
    async end() {
      check();
      ending = true;
      await writer.close().catch((e) => fail(e));
      await loop;
      check();
    },
    async cancel() {
      await reader.cancel().catch(() => undefined);
      await writer.abort().catch(() => undefined);
    },
  };
}
