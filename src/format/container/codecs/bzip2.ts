// bzip2 (libvirt runs `bzip2 -c`). The block decoder is unbzip2-stream's lib/bzip2.js, pure
// JavaScript; we do not use its index.js, which needs Node streams (`through`) and so does not run
// in the worker. What it needs instead is here: a bit reader over the chunks received so far.
// A block is decoded only once its bits are all here (bzip2 reads a whole block's symbols before
// it writes a byte), so a block cut by a chunk boundary is simply tried again with more input.

import bzip2 from 'unbzip2-stream/lib/bzip2.js';
import { CodecError, type Decoder, type Emit } from './decoder.ts';

class NeedMore extends Error {}

const MASK = [0, 0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];
const OUT = 64 << 10;

export function bzip2Decoder(emit: Emit): Decoder {
  const chunks: Uint8Array[] = [];
  let ci = 0; // chunk, byte in it, bit in that byte
  let bi = 0;
  let bit = 0;
  let base = 0; // stream offset of chunks[0]
  let buffered = 0; // stream offset of the end of the input so far
  let ended = false;
  let level = 0; // 0: a stream header comes next
  let crc: number | null = null;
  let buf = new Int32Array(0);
  const out = new Uint8Array(OUT);
  let outAt = 0;
  const offset = () => base + chunks.slice(0, ci).reduce((n, c) => n + c.length, 0) + bi;

  const bits = (n: number | null): number => {
    if (n === null) {
      if (bit) {
        bit = 0;
        bi++;
      }
      return 0;
    }
    let result = 0;
    while (n > 0) {
      while (ci < chunks.length && bi >= chunks[ci].length) {
        ci++;
        bi = 0;
      }
      if (ci >= chunks.length) {
        if (ended) throw new CodecError(`bzip2: the input ends inside a block (stream offset ${buffered})`, buffered, true);
        throw new NeedMore();
      }
      const byte = chunks[ci][bi];
      const left = 8 - bit;
      if (n >= left) {
        result = (result << left) | (byte & MASK[left]);
        bit = 0;
        bi++;
        n -= left;
      } else {
        result = (result << n) | ((byte >> (left - n)) & MASK[n]);
        bit += n;
        n = 0;
      }
    }
    return result;
  };
  const put = (b: number) => {
    out[outAt++] = b;
    if (outAt === OUT) {
      emit(out);
      outAt = 0;
    }
  };
  /** One header or block; false when it needs more input (the reader is put back). */
  const step = (): boolean => {
    const saved = [ci, bi, bit];
    const at = offset();
    try {
      if (!level) {
        level = bzip2.header(bits);
        buf = buf.length === 100000 * level ? buf : new Int32Array(100000 * level);
        crc = 0;
      } else {
        crc = bzip2.decompress(bits, put, buf, buf.length, crc);
        if (crc === null) level = 0;
        if (outAt) emit(out.subarray(0, outAt));
        outAt = 0;
      }
      return true;
    } catch (e) {
      if (e instanceof NeedMore) {
        [ci, bi, bit] = saved;
        return false;
      }
      if (e instanceof Error && e.name === 'Bzip2Error') throw new CodecError(`bzip2: a corrupt ${level ? 'block' : 'stream header'} (${e.message})`, at);
      throw e;
    }
  };
  const drop = () => {
    for (; ci > 0; ci--) base += chunks.shift()!.length;
  };
  const more = () => offset() < buffered;
  return {
    slice: 256 << 10,
    async push(chunk) {
      chunks.push(chunk.slice());
      buffered += chunk.length;
      // A block takes at most about 100 kB per level of input; wait for that much before trying.
      while (more() && buffered - offset() >= 100000 * (level || 1) + 50000 && step()) drop();
    },
    async end() {
      ended = true;
      while (more()) {
        step();
        drop();
      }
      if (crc !== null) throw new CodecError('bzip2: the input ends before the end-of-stream marker', buffered, true);
    },
    async cancel() {
      chunks.length = 0;
    },
  };
}
