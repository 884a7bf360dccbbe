// lzop (libvirt runs `lzop -c`): the lzop container around LZO1X blocks, read by our own code (no
// maintained npm package reads it; see lzo1x.ts). Layout as lzop's p_lzo.c / lzop.c write it:
// magic, a header (version, method, flags, mode, mtime, name) closed by its checksum, then blocks
// of u32 BE uncompressed size (0 ends the file), u32 compressed size, the checksums the flags ask
// for, and the data (stored as is when it did not compress). Checksums are verified.

import { CodecError, type Decoder, type Emit } from './decoder.ts';
import { lzo1xDecompress, LzoError } from './lzo1x.ts';

const MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const F_ADLER32_D = 0x1;
const F_ADLER32_C = 0x2;
const F_H_EXTRA_FIELD = 0x40;
const F_CRC32_D = 0x100;
const F_CRC32_C = 0x200;
const F_H_FILTER = 0x800;
const F_H_CRC32 = 0x1000;
/** lzop's MAX_BLOCK_SIZE: a larger block is corrupt, not a reason to allocate. */
const MAX_BLOCK = 64 << 20;
/** Methods 1-3 are LZO1X-1, LZO1X-1(15) and LZO1X-999: one decompressor reads all three. */
const LZO1X_METHODS = new Set([1, 2, 3]);

export function adler32(b: Uint8Array, a = 1): number {
  let s1 = a & 0xffff;
  let s2 = a >>> 16;
  for (let i = 0; i < b.length; ) {
    const end = Math.min(b.length, i + 5552);
    for (; i < end; i++) s2 += s1 += b[i];
    s1 %= 65521;
    s2 %= 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

let CRC: Uint32Array | undefined;
export function crc32(b: Uint8Array, c = 0): number {
  if (!CRC) {
    CRC = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let x = n;
      for (let k = 0; k < 8; k++) x = x & 1 ? 0xedb88320 ^ (x >>> 1) : x >>> 1;
      CRC[n] = x;
    }
  }
  let x = ~c;
  for (let i = 0; i < b.length; i++) x = CRC[(x ^ b[i]) & 0xff] ^ (x >>> 8);
  return ~x >>> 0;
}

/** Input collected until a whole header or block is here; offsets are from the stream's start. */
class Input {
  private buf = new Uint8Array(1 << 16);
  private start = 0;
  private end = 0;
  base = 0;
  add(chunk: Uint8Array) {
    if (this.end + chunk.length > this.buf.length) {
      const keep = this.end - this.start;
      const next = keep + chunk.length > this.buf.length ? new Uint8Array(Math.max(2 * this.buf.length, keep + chunk.length)) : this.buf;
      if (next === this.buf) next.copyWithin(0, this.start, this.end);
      else next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = keep;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
  get length() {
    return this.end - this.start;
  }
  peek(n: number): Uint8Array | null {
    return this.length >= n ? this.buf.subarray(this.start, this.start + n) : null;
  }
  take(n: number) {
    this.start += n;
    this.base += n;
  }
}

export function lzopDecoder(emit: Emit): Decoder {
  const input = new Input();
  let flags = -1; // -1: the header comes next
  let done = false;
  const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const bad = (what: string, at = input.base) => new CodecError(`lzop: ${what}`, at);

  /** Parses the header once it is all here; false when it needs more input. */
  const header = (): boolean => {
    const h = input.peek(Math.min(input.length, 512));
    if (!h || h.length < 9 + 16) return false;
    if (!MAGIC.every((b, i) => h[i] === b)) throw bad('the lzop magic 89 4c 5a 4f 00 0d 0a 1a 0a');
    let at = 9;
    const u16 = () => ((h[at++] << 8) | h[at++]);
    const need = (n: number) => at + n <= h.length;
    const version = u16();
    u16(); // lib_version
    if (version >= 0x0940) u16(); // version needed to extract
    const method = h[at++];
    if (version >= 0x0940) at++; // level
    if (!need(4)) return false;
    const f = u32(h, at);
    at += 4;
    if (!LZO1X_METHODS.has(method)) throw bad(`compression method 1-3 (LZO1X), found ${method}`, input.base + 9 + 4);
    if (f & F_H_FILTER) at += 4;
    at += 8; // mode, mtime_low
    if (version >= 0x0940) at += 4; // mtime_high
    if (!need(1)) return false;
    const nameLen = h[at++];
    at += nameLen;
    if (!need(4)) return false;
    const sum = u32(h, at);
    const body = h.subarray(9, at);
    const want = f & F_H_CRC32 ? crc32(body) : adler32(body);
    if (sum !== want) throw bad(`a header checksum of ${want.toString(16)}, found ${sum.toString(16)}`, input.base + at);
    at += 4;
    if (f & F_H_EXTRA_FIELD) {
      if (!need(4)) return false;
      at += 4 + u32(h, at) + 4;
      if (!need(0)) return false;
    }
    flags = f;
    input.take(at);
    return true;
  };

  /** Decodes the next block once it is all here; false when it needs more input. */
  const block = (): boolean => {
    const head = input.peek(4);
    if (!head) return false;
    const dstLen = u32(head, 0);
    if (dstLen === 0) {
      input.take(4);
      done = true;
      return true;
    }
    if (dstLen > MAX_BLOCK) throw bad(`a block of at most ${MAX_BLOCK} bytes, found ${dstLen}`);
    const dSums = (flags & F_ADLER32_D ? 1 : 0) + (flags & F_CRC32_D ? 1 : 0);
    const pre = input.peek(8);
    if (!pre) return false;
    const srcLen = u32(pre, 4);
    if (srcLen > dstLen) throw bad(`compressed size at most the block's ${dstLen} bytes, found ${srcLen}`, input.base + 4);
    const cSums = srcLen < dstLen ? (flags & F_ADLER32_C ? 1 : 0) + (flags & F_CRC32_C ? 1 : 0) : 0;
    const headLen = 8 + 4 * (dSums + cSums);
    const all = input.peek(headLen + srcLen);
    if (!all) return false;
    const src = all.subarray(headLen);
    let at = 8;
    const check = (sum: (b: Uint8Array) => number, data: Uint8Array, what: string) => {
      const want = u32(all, at);
      const got = sum(data);
      if (want !== got) throw bad(`the ${what} checksum ${want.toString(16)}, computed ${got.toString(16)}`, input.base + at);
      at += 4;
    };
    const dst = srcLen === dstLen ? src : new Uint8Array(dstLen);
    if (srcLen < dstLen) {
      // Compressed-data checksums come after the decompressed-data ones in the file.
      const dAt = at;
      at += 4 * dSums;
      if (flags & F_ADLER32_C) check(adler32, src, 'compressed data adler32');
      if (flags & F_CRC32_C) check(crc32, src, 'compressed data crc32');
      try {
        lzo1xDecompress(src, dst);
      } catch (e) {
        if (e instanceof LzoError) throw bad(`${e.message} (block at stream byte ${input.base})`, input.base + headLen + e.at);
        throw e;
      }
      at = dAt;
    }
    if (flags & F_ADLER32_D) check(adler32, dst, 'adler32');
    if (flags & F_CRC32_D) check(crc32, dst, 'crc32');
    emit(dst);
    input.take(headLen + srcLen);
    return true;
  };

  /**
   * The input ended inside a block: what its available bytes decode to is kept (a cut stream
   * keeps what came before it), though the block's checksum cannot vouch for it.
   */
  const partial = () => {
    const head = input.peek(8);
    if (!head) return;
    const dstLen = u32(head, 0);
    const srcLen = u32(head, 4);
    const dSums = (flags & F_ADLER32_D ? 1 : 0) + (flags & F_CRC32_D ? 1 : 0);
    const cSums = srcLen < dstLen ? (flags & F_ADLER32_C ? 1 : 0) + (flags & F_CRC32_C ? 1 : 0) : 0;
    const src = input.peek(input.length)!.subarray(8 + 4 * (dSums + cSums));
    if (dstLen > MAX_BLOCK || srcLen > dstLen || src.length >= srcLen) return;
    if (srcLen === dstLen) {
      if (src.length) emit(src);
      return;
    }
    const dst = new Uint8Array(dstLen);
    try {
      lzo1xDecompress(src, dst);
    } catch (e) {
      if (!(e instanceof LzoError)) throw e;
      if (e.produced) emit(dst.subarray(0, e.produced));
    }
  };

  const drain = () => {
    while (!done && (flags < 0 ? header() : block()));
    if (done && input.length) throw bad(`the end of the lzop data after its end marker, found ${input.length} more bytes`);
  };
  return {
    slice: 256 << 10,
    async push(chunk) {
      input.add(chunk);
      drain();
    },
    async end() {
      drain();
      if (!done && flags >= 0) partial();
      if (!done) throw new CodecError(`lzop: the input ends inside ${flags < 0 ? 'the header' : `the block at stream byte ${input.base}`}`, input.base + input.length, true);
    },
    async cancel() {},
  };
}
