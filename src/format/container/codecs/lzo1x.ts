// LZO1X decompression, written here because no maintained npm package decodes it without Node
// native bindings (`lzo` is a C++ addon, `lzo-wasm` ships FFmpeg, `lzo-decompress` needs Node
// Buffers). The format is Markus Oberhumer's LZO1X as liblzo's lzo1x_d.ch and the Linux kernel's
// lib/lzo/lzo1x_decompress_safe.c read it: each instruction byte is a literal run or a match
// (M1-M4 by its top bits), and the low two bits of a match's distance byte give 0-3 literals that
// follow it. Every read and copy is bounds-checked ("safe" decompression): bad data throws.

export class LzoError extends Error {
  /** `produced`: output bytes written before the error (a cut block keeps them). */
  constructor(message: string, readonly at: number, readonly produced: number) {
    super(message);
  }
}

/** Decodes one LZO1X block `src` into `dst`, which must be exactly the block's decompressed size. */
export function lzo1xDecompress(src: Uint8Array, dst: Uint8Array): void {
  let ip = 0;
  let op = 0;
  const need = (n: number) => {
    if (ip + n > src.length) throw new LzoError(`LZO1X: the block's data ends inside an instruction (needs ${n} more bytes at block byte ${ip})`, ip, op);
  };
  const room = (n: number) => {
    if (op + n > dst.length) throw new LzoError(`LZO1X: output past the block's ${dst.length} bytes`, ip, op);
  };
  const literals = (n: number) => {
    need(n);
    room(n);
    dst.set(src.subarray(ip, ip + n), op);
    ip += n;
    op += n;
  };
  /** A run length: zero bytes add 255 each, then the next byte plus `extra`. */
  const long = (extra: number) => {
    let t = 0;
    for (;;) {
      need(1);
      const b = src[ip++];
      if (b) return t + extra + b;
      t += 255;
    }
  };
  const copyMatch = (dist: number, len: number) => {
    if (dist > op || dist <= 0) throw new LzoError(`LZO1X: a match ${dist} bytes back at output byte ${op}, before the block's start`, ip, op);
    room(len);
    let from = op - dist;
    // Byte by byte: a match may overlap its own output (a run).
    for (let i = 0; i < len; i++) dst[op++] = dst[from++];
  };

  need(1);
  let t = src[ip];
  // state: literals just copied before the next instruction (0 = a match came last, 4 = a long run).
  let state = 0;
  if (t > 17) {
    ip++;
    t -= 17;
    literals(t);
    state = t < 4 ? t : 4;
  }
  for (;;) {
    need(1);
    t = src[ip++];
    if (t < 16) {
      if (state === 0) {
        // A literal run of 4 or more.
        const n = t === 0 ? long(15) + 3 : t + 3;
        literals(n);
        state = 4;
        continue;
      }
      need(1);
      if (state === 4) {
        // M1 after a long literal run: 3 bytes from 2049-3072 back.
        copyMatch(1 + 0x800 + (t >> 2) + (src[ip++] << 2), 3);
      } else {
        // M1 after a short literal run: 2 bytes from 1-1024 back.
        copyMatch(1 + (t >> 2) + (src[ip++] << 2), 2);
      }
    } else if (t >= 64) {
      // M2: 3-8 bytes from 1-2048 back.
      need(1);
      copyMatch(1 + ((t >> 2) & 7) + (src[ip++] << 3), (t >> 5) + 1);
    } else if (t >= 32) {
      // M3: 3+ bytes from 1-16384 back.
      const len = (t & 31 ? t & 31 : long(31)) + 2;
      need(2);
      copyMatch(1 + ((src[ip] | (src[ip + 1] << 8)) >> 2), len);
      ip += 2;
    } else {
      // M4: 3+ bytes from 16385-49151 back; distance 16384 exactly is the end marker.
      const len = (t & 7 ? t & 7 : long(7)) + 2;
      need(2);
      const dist = ((t & 8) << 11) + ((src[ip] | (src[ip + 1] << 8)) >> 2);
      ip += 2;
      if (dist === 0) {
        if (ip !== src.length) throw new LzoError(`LZO1X: the end marker at block byte ${ip - 3}, ${src.length - ip} bytes before the block's end`, ip, op);
        if (op !== dst.length) throw new LzoError(`LZO1X: the block ends after ${op} of its ${dst.length} bytes`, ip, op);
        return;
      }
      copyMatch(dist + 0x4000, len);
    }
    // The low two bits of the byte before last tell how many literals follow the match.
    state = src[ip - 2] & 3;
    if (state) literals(state);
  }
}
