// Turns a ByteSource into contiguous windows for the synchronous decoders, reading the file in
// slices with the next slice already requested (read-ahead), so I/O overlaps decoding.

import type { ByteSource } from './byte-source.ts';
import type { Window } from './cursor.ts';

export const DEFAULT_SLICE = 8 * 1024 * 1024;

export class WindowReader {
  private win: Window = { bytes: new Uint8Array(0), base: 0, atEnd: false };
  private ahead: { offset: number; data: Promise<Uint8Array> } | null = null;
  /** Bytes read from the source so far (progress, benchmarks). */
  bytesRead = 0;

  constructor(readonly source: ByteSource, readonly sliceSize = DEFAULT_SLICE) {}

  get size(): number {
    return this.source.size;
  }

  /** A window that contains [offset, offset + minBytes) or reaches the end of the source. */
  async at(offset: number, minBytes = 1): Promise<Window> {
    const end = this.win.base + this.win.bytes.length;
    if (offset >= this.win.base && (offset + minBytes <= end || this.win.atEnd) && offset <= end) return this.win;
    const want = Math.min(this.source.size, offset + Math.max(minBytes, this.sliceSize));
    const parts: Uint8Array[] = [];
    let have = offset;
    // Keep what the current window already holds past `offset`.
    if (offset >= this.win.base && offset < end) {
      parts.push(this.win.bytes.subarray(offset - this.win.base));
      have = end;
    }
    while (have < want) {
      const chunk = await this.readSlice(have, want - have);
      if (chunk.length === 0) break;
      parts.push(chunk);
      have += chunk.length;
    }
    const bytes = parts.length === 1 ? parts[0] : concat(parts, have - offset);
    this.win = { bytes, base: offset, atEnd: offset + bytes.length >= this.source.size };
    this.prefetch(offset + bytes.length);
    return this.win;
  }

  private async readSlice(offset: number, length: number): Promise<Uint8Array> {
    let chunk: Uint8Array;
    if (this.ahead && this.ahead.offset === offset) {
      chunk = await this.ahead.data;
      this.ahead = null;
    } else {
      chunk = await this.source.read(offset, Math.max(length, this.sliceSize));
      this.bytesRead += chunk.length;
    }
    return chunk;
  }

  private prefetch(offset: number): void {
    if (offset >= this.source.size || this.ahead?.offset === offset) return;
    const data = this.source.read(offset, this.sliceSize);
    data.then((d) => (this.bytesRead += d.length), () => {});
    this.ahead = { offset, data };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, total - at), at);
    at += p.length;
    if (at >= total) break;
  }
  return out;
}
