// gzip for the CLI through node:zlib behind the shared Decoder interface (format/container/
// codecs): Node's own DecompressionStream decodes the same bytes but runs them through Web Streams
// over a Duplex, about eight times slower than zlib's stream used directly (npm run bench). Every
// other codec, and gzip in the worker, comes from format/container/codecs/decoder.ts.
import { createGunzip } from 'node:zlib';
import { CodecError, decoderFor, type Decoder, type DecodingCodec, type Emit } from '../format/container/codecs/decoder.ts';

export function nodeGzipDecoder(emit: Emit): Decoder {
  const z = createGunzip({ chunkSize: 256 << 10 });
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
      // The write callback comes once zlib has taken the chunk; a destroyed stream only closes.
      await Promise.race([new Promise<void>((res) => z.write(chunk, () => res())), closed]);
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
