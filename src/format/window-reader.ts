// Turns a ByteSource into contiguous windows for the synchronous decoders. The file is read in
// slices into two reused buffers: while the decoder works on one, the next slice is already
// being read into the other (read-ahead), and a refill copies only the unconsumed tail of the old
// window in front of the new slice. Fresh 8 MiB buffers per read cost more than the read itself
// (page faults in Node, garbage the collector lets pile up in Chromium), which is why sources may
// implement readInto. A readInto may hand the slot's memory back on a new ArrayBuffer object
// (BYOB streams transfer it), so a slot always keeps the view the read returned.

import type { ByteSource } from './byte-source.ts';
import type { Window } from './cursor.ts';

export const DEFAULT_SLICE = 8 * 1024 * 1024;
/**
 * Slices from a source whose reads are done when they return (ByteSource.immediate): small enough
 * that the decoder reads the bytes while they are still in the CPU's cache. Measured on the 1 GiB
 * bench stream, reading it and walking its RAM page headers: 65-70 ms of CPU in 1 MiB readSync
 * slices, 75-110 in 8 MiB ones, 120-190 with 8 MiB reads read ahead in Node's thread pool.
 */
export const IMMEDIATE_SLICE = 1024 * 1024;
/** Room in front of each slice for the old window's tail; larger tails take the slow path. */
const HEADROOM = 2 * 1024 * 1024;

interface Slot {
  buf: Uint8Array;
  /** The read in flight into buf[HEADROOM...], with the file offset it starts at; resolves to its length. */
  pending: { offset: number; done: Promise<number> } | null;
}

export class WindowReader {
  private win: Window = { bytes: new Uint8Array(0), base: 0, atEnd: false };
  private slots: Slot[] | null = null;
  /** Index of the slot the current window lives in (-1: a one-off buffer). */
  private current = -1;
  /** Bytes read from the source so far (progress, benchmarks). */
  bytesRead = 0;

  /**
   * The slots' sizes: no larger than the file. A 290 KB device-state file would otherwise zero
   * 20 MiB per scan, most of a comparison's second scan (issue #13). A tail never exceeds the file.
   */
  private readonly headroom: number;
  private readonly slice: number;
  readonly sliceSize: number;

  constructor(readonly source: ByteSource, sliceSize?: number) {
    this.sliceSize = sliceSize ?? source.sliceSize ?? (source.immediate ? IMMEDIATE_SLICE : DEFAULT_SLICE);
    this.headroom = Math.min(HEADROOM, source.size);
    this.slice = Math.min(this.sliceSize, source.size);
  }

  get size(): number {
    return this.source.size;
  }

  /** A window that contains [offset, offset + minBytes) or reaches the end of the source. */
  async at(offset: number, minBytes = 1): Promise<Window> {
    // A source already in memory is its own window: nothing to read ahead or copy. (A caller
    // that chose a slice size gets slices of that size: tests of the refill paths.)
    if (this.source.bytes && this.sliceSize === DEFAULT_SLICE) {
      if (this.win.bytes !== this.source.bytes) this.win = { bytes: this.source.bytes, base: 0, atEnd: true, fileSize: this.source.size };
      return this.win;
    }
    const end = this.win.base + this.win.bytes.length;
    if (offset >= this.win.base && offset <= end && (offset + minBytes <= end || this.win.atEnd)) return this.win;
    const tail = offset >= this.win.base && offset < end ? this.win.bytes.subarray(offset - this.win.base) : new Uint8Array(0);
    const next = tail.length > 0 ? end : offset;
    if (tail.length <= this.headroom && minBytes <= this.sliceSize) {
      this.slots ??= [0, 1].map(() => ({ buf: new Uint8Array(this.headroom + this.slice), pending: null }));
      const slot = this.slots[1 - Math.max(0, this.current)];
      const n = await this.fill(slot, next);
      // Only the tail moves: it goes right in front of the new slice.
      slot.buf.set(tail, this.headroom - tail.length);
      this.current = this.slots.indexOf(slot);
      this.win = { bytes: slot.buf.subarray(this.headroom - tail.length, this.headroom + n), base: offset, atEnd: next + n >= this.source.size, fileSize: this.source.size };
      this.prefetch(this.slots[1 - this.current], next + n);
      return this.win;
    }
    // Slow path for large device sections: one contiguous buffer of the size asked for.
    await this.settle();
    const want = Math.min(this.source.size, offset + Math.max(minBytes, this.sliceSize)) - offset;
    const bytes = new Uint8Array(want);
    bytes.set(tail.subarray(0, want));
    const filled = want > tail.length ? await this.readInto(next, bytes.subarray(tail.length)) : bytes.subarray(tail.length);
    this.current = -1;
    this.win = { bytes: new Uint8Array(filled.buffer, 0, want), base: offset, atEnd: offset + want >= this.source.size, fileSize: this.source.size };
    return this.win;
  }

  /** Waits for the slot's read of `offset` (or starts one) and returns its length. */
  private async fill(slot: Slot, offset: number): Promise<number> {
    if (slot.pending && slot.pending.offset === offset) {
      const n = await slot.pending.done;
      slot.pending = null;
      return n;
    }
    if (slot.pending) await slot.pending.done.catch(() => 0);
    slot.pending = null;
    return this.readSlot(slot, offset);
  }

  private prefetch(slot: Slot, offset: number): void {
    if (offset >= this.source.size || this.source.immediate) return;
    const done = this.readSlot(slot, offset);
    done.catch(() => {});
    slot.pending = { offset, done };
  }

  /** No read may still be writing into a slot when its bytes are abandoned. */
  private async settle(): Promise<void> {
    for (const s of this.slots ?? []) {
      if (s.pending) await s.pending.done.catch(() => 0);
      s.pending = null;
    }
  }

  /** Reads one slice into buf[headroom...]; the slot keeps the memory the read hands back. */
  private async readSlot(slot: Slot, offset: number): Promise<number> {
    const length = Math.max(0, Math.min(this.slice, this.source.size - offset));
    const filled = await this.readInto(offset, slot.buf.subarray(this.headroom, this.headroom + length));
    slot.buf = new Uint8Array(filled.buffer, 0, this.headroom + this.slice);
    return filled.length;
  }

  /** The filled part of target's memory (see ByteSource.readInto: target may be detached). */
  private async readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
    let filled: Uint8Array;
    if (this.source.readInto) {
      filled = await this.source.readInto(offset, target);
    } else {
      const chunk = await this.source.read(offset, target.length);
      target.set(chunk);
      filled = target.subarray(0, chunk.length);
    }
    this.bytesRead += filled.length;
    return filled;
  }
}
