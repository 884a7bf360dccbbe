// gzip for the CLI through node:zlib behind the shared Decoder interface (format/container/
// codecs): Node's own DecompressionStream decodes the same bytes but runs them through Web Streams
// over a Duplex, about eight times slower than zlib's stream used directly (npm run bench). Every
// other codec, and gzip in the worker, comes from format/container/codecs/decoder.ts.
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { CodecError, decoderFor, type Decoder, type DecodingCodec, type Emit } from '../format/container/codecs/decoder.ts';

/** zlib's output per call: each call is a round trip to Node's thread pool. */
export const GUNZIP_CHUNK = 1 << 20;

/**
 * Compressed bytes per push, and input buffers: zlib's queue (two pushes), the one it inflates,
 * and the next read.
 */
const SLICE = 1 << 20;
const BUFFERS = 4;

export function nodeGzipDecoder(emit: Emit): Decoder {
  // Room for two pushes queued: zlib (on Node's thread pool) always has the next input while
  // the next read comes in, instead of waiting for a round trip per push (npm run bench).
  const z = createGunzip({ chunkSize: GUNZIP_CHUNK, writableHighWaterMark: 2 * SLICE } as ZlibOptions); // passed on to its Transform
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
  // A stopped zlib calls back no more: a read waiting for a buffer goes on (and its push throws).
  void closed.then(() => freed?.());
  const check = () => {
    if (failure) throw failure.error;
  };
  // Input buffers of our own, read into by inflate (Decoder.inputBuffer) and handed to zlib as
  // they are: zlib queues a chunk past its push, so a chunk of inflate's (reused after the push)
  // had to be copied, which cost as much main-thread time as the spill writes (fresh 1 MiB
  // Buffers: the kernel handing out new pages). A few in turn; a chunk not read into one is copied.
  const spare: Buffer[] = [];
  const ours = new WeakSet<ArrayBufferLike>();
  let made = 0;
  let freed: (() => void) | undefined;
  const release = (buf: Buffer) => {
    spare.push(buf);
    freed?.();
  };
  const take = (length: number): Buffer => {
    let buf = spare.pop();
    if (!buf || buf.length < length) {
      made++;
      buf = Buffer.allocUnsafeSlow(Math.max(SLICE, length));
      ours.add(buf.buffer);
    }
    return buf;
  };
  return {
    slice: SLICE,
    async inputBuffer(length) {
      while (!spare.length && made >= BUFFERS && !failure && !z.destroyed) await new Promise<void>((res) => (freed = res));
      freed = undefined;
      return take(length);
    },
    async push(chunk) {
      check();
      let input: Buffer;
      if (ours.has(chunk.buffer)) {
        input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      } else {
        input = take(chunk.length);
        input.set(chunk);
        input = input.subarray(0, chunk.length);
      }
      const whole = Buffer.from(input.buffer, 0, input.buffer.byteLength);
      // zlib calls back once it has consumed the chunk: its buffer is free for a later read.
      const more = z.write(input, () => release(whole));
      // Past the high-water mark, wait until zlib has taken the queue; a destroyed stream only closes.
      if (!more) await Promise.race([new Promise<void>((res) => z.once('drain', res)), closed]);
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
