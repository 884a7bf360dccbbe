// gzip for the CLI through node:zlib behind the shared Decoder interface (format/container/
// codecs): Node's own DecompressionStream decodes the same bytes but runs them through Web Streams
// over a Duplex, about eight times slower than zlib's stream used directly (npm run bench). Every
// other codec, and gzip in the worker, comes from format/container/codecs/decoder.ts.
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { CodecError, decoderFor, type Decoder, type DecodingCodec, type Emit } from '../format/container/codecs/decoder.ts';

/** zlib's output per call: each call is a round trip to Node's thread pool. */
export const GUNZIP_CHUNK = 1 << 20;

export function nodeGzipDecoder(emit: Emit): Decoder {
  // Room for two pushes queued: zlib (on Node's thread pool) always has the next input while
  // the next read comes in, instead of waiting for a round trip per push (npm run bench).
  const z = createGunzip({ chunkSize: GUNZIP_CHUNK, writableHighWaterMark: 2 << 20 } as ZlibOptions); // passed on to its Transform
  let failure: { error: unknown } | undefined;
  let ending = false;
  let ended = false;
  z.on('data', (out: Buffer) => {
    if (failure) return;
    try {
      emit(out);
    } catch (e) {
      // A limit (a bomb, the disk): stop zlib where it is.
      failure = { error: e };
      z.destroy();
    }
  });
  z.on('error', (e) => {
    failure ??= { error: new CodecError(`gzip: ${e.message}`, undefined, ending) };
  });
  z.on('end', () => (ended = true));
  const closed = new Promise<void>((res) => z.once('close', res));
  const check = () => {
    if (failure) throw failure.error;
  };
  return {
    slice: 1 << 20,
    async push(chunk) {
      check();
      // Copied: the chunk is reused after the push (Decoder.push) and zlib may still queue it.
      // Past the high-water mark, wait until zlib has taken the queue; a destroyed stream only closes.
      if (!z.write(Buffer.from(chunk))) await Promise.race([new Promise<void>((res) => z.once('drain', res)), closed]);
      check();
    },
    async end() {
      check();
      ending = true;
      z.end();
      await closed;
      check();
      if (!ended) throw new CodecError('gzip: the input ends inside the stream', undefined, true);
    },
    async cancel() {
      z.destroy();
    },
  };
}

/** The CLI's decoders: the shared ones, with gzip through zlib. */
export function nodeDecoder(codec: DecodingCodec, emit: Emit): Promise<Decoder> {
  return codec === 'gzip' ? Promise.resolve(nodeGzipDecoder(emit)) : decoderFor(codec, emit);
}
