// A synchronous big-endian reader over one window of the file. Decoders are plain synchronous
// functions over a Cursor; the async scanner refills the window. Reading past the window raises
// NeedMoreData when more of the file exists (the scanner widens the window and retries) and a
// 'truncated' DecodeError when the file really ends: never a silent 0.

import { DecodeError } from './errors.ts';

export interface Window {
  bytes: Uint8Array;
  /** Absolute file offset of bytes[0]. */
  base: number;
  /** True when the window reaches the end of the source. */
  atEnd: boolean;
  /** The source's size, where the window's maker knows it: bounds counts read from the file. */
  fileSize?: number;
}

export class NeedMoreData extends Error {
  constructor(readonly from: number, readonly needed: number) {
    super(`need ${needed} bytes at ${from}`);
  }
}

export class Cursor {
  /** Absolute offset of the next byte to read. */
  pos: number;
  private readonly view: DataView;

  constructor(readonly win: Window, pos = win.base, public path = '') {
    this.pos = pos;
    this.view = new DataView(win.bytes.buffer, win.bytes.byteOffset, win.bytes.byteLength);
  }

  get end(): number {
    return this.win.base + this.win.bytes.length;
  }

  /** Bytes left in the file after `pos`: exact where the window knows the file's size. */
  get fileLeft(): number {
    return (this.win.fileSize ?? (this.win.atEnd ? this.end : Infinity)) - this.pos;
  }

  /** Bytes left in the window (not necessarily in the file). */
  get available(): number {
    return this.end - this.pos;
  }

  /** True when the window holds no more bytes and the file has none either. */
  get atFileEnd(): boolean {
    return this.win.atEnd && this.pos >= this.end;
  }

  need(n: number, what: string): number {
    if (n < 0 || this.pos + n > this.end) {
      if (!this.win.atEnd) throw new NeedMoreData(this.pos, n);
      throw new DecodeError('truncated', this.pos, `${what}: ${n} byte(s) needed, ${Math.max(0, this.end - this.pos)} left`, this.path || undefined);
    }
    const at = this.pos - this.win.base;
    this.pos += n;
    return at;
  }

  /** Peeks `n` bytes without consuming; returns null at a true end of file. */
  peek(n: number): Uint8Array | null {
    if (this.pos + n > this.end) {
      if (!this.win.atEnd) throw new NeedMoreData(this.pos, n);
      return null;
    }
    const at = this.pos - this.win.base;
    return this.win.bytes.subarray(at, at + n);
  }

  /** peek(n)'s test without its view: false at a true end of file, NeedMoreData before one. */
  has(n: number): boolean {
    if (this.pos + n > this.end) {
      if (!this.win.atEnd) throw new NeedMoreData(this.pos, n);
      return false;
    }
    return true;
  }

  /** The byte `k` after pos, unread; only after has(k + 1). */
  peekByte(k: number): number {
    return this.win.bytes[this.pos - this.win.base + k];
  }

  /**
   * A copy of the next `keep` bytes, consuming `n` (keep ≤ n): bytes(n).slice(0, keep) without
   * the view in between. A copy keeps neither the read window nor its buffer alive.
   */
  copy(n: number, keep = n, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.win.bytes.slice(at, at + Math.min(keep, n));
  }

  u8(what = 'u8'): number {
    return this.win.bytes[this.need(1, what)];
  }
  be16(what = 'be16'): number {
    return this.view.getUint16(this.need(2, what));
  }
  be32(what = 'be32'): number {
    return this.view.getUint32(this.need(4, what));
  }
  be64(what = 'be64'): bigint {
    return this.view.getBigUint64(this.need(8, what));
  }
  /** be64 as a number; exact below 2^53, which holds for every offset and size in practice. */
  be64n(what = 'be64'): number {
    const at = this.need(8, what);
    return this.view.getUint32(at) * 0x1_0000_0000 + this.view.getUint32(at + 4);
  }
  /**
   * A big-endian integer of 1, 2, 4 or 8 bytes as a number when it is exact (|v| < 2^53), else
   * as a decimal string. No BigInt and no subarray on the common path: device state is mostly
   * integers, tens of thousands per file.
   */
  int(n: 1 | 2 | 4 | 8, signed: boolean, what = 'int'): number | string {
    const at = this.need(n, what);
    const v = this.view;
    switch (n) {
      case 1:
        return signed ? v.getInt8(at) : v.getUint8(at);
      case 2:
        return signed ? v.getInt16(at) : v.getUint16(at);
      case 4:
        return signed ? v.getInt32(at) : v.getUint32(at);
    }
    const hi = v.getUint32(at);
    const lo = v.getUint32(at + 4);
    if (!signed || hi < 0x8000_0000) {
      const u = hi * 0x1_0000_0000 + lo;
      return u <= Number.MAX_SAFE_INTEGER ? u : v.getBigUint64(at).toString();
    }
    // Negative: the magnitude is the two's complement, ~x + 1.
    const m = (~hi >>> 0) * 0x1_0000_0000 + (~lo >>> 0) + 1;
    return m <= Number.MAX_SAFE_INTEGER ? -m : v.getBigInt64(at).toString();
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.win.bytes.subarray(at, at + n);
  }
  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
  }
  /** qemu_get_counted_string: u8 length, then that many bytes (migration/qemu-file.c). */
  countedString(what = 'counted string'): string {
    const len = this.u8(`${what} length`);
    return latin1(this.bytes(len, what));
  }
}

/** Byte-preserving string: each byte becomes one code point 0-255, so encode(decode(x)) === x. */
// Not TextDecoder('latin1'): browsers map that label to windows-1252, which is not byte-exact.
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
