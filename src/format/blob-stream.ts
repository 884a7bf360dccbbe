// Reads a Blob front to back into the caller's buffers through one BYOB stream, so a scan of a
// multi-GiB file allocates nothing per slice. A read at any other offset than where the stream
// stands cancels it and opens a new one there. Streams are always cancelled once they are not
// needed (at the end of the file, on a seek, on an error, after a pause): Chromium keeps a pipe
// per open Blob stream, and with enough of them left open later Blob reads never complete.

/** A stream nobody read from for this long is cancelled; the next read opens a new one. */
const IDLE_MS = 2000;
/** A read that brings no byte for this long fails instead of hanging the scan forever. */
export const STALL_MS = 30_000;

/**
 * Bytes [offset, offset + length) of `blob` as one Blob slice, or an error naming them once
 * `stallMs` pass without an answer: a Blob read that never completes (seen in Chromium with
 * streams left open) must not leave the page waiting forever.
 */
export async function readSlice(blob: Blob, offset: number, length: number, stallMs = STALL_MS): Promise<Uint8Array> {
  const watch = stallWatch(stallMs, () => `reading bytes ${offset}-${offset + length} of the file`);
  try {
    return new Uint8Array(await Promise.race([blob.slice(offset, offset + length).arrayBuffer(), watch.stalled]));
  } finally {
    watch.stop();
  }
}

export class SequentialBlobReader {
  private reader: ReadableStreamBYOBReader | null = null;
  /** File offset of the next byte `reader` yields. */
  private position = 0;
  /** Reads run one at a time, in the order they were asked for. */
  private queue: Promise<unknown> = Promise.resolve();
  private idle: ReturnType<typeof setTimeout> | undefined;

  /** `stallMs`: see STALL_MS (tests shorten it). */
  constructor(
    private readonly blob: Blob,
    private readonly stallMs = STALL_MS,
  ) {}

  static supported(): boolean {
    return typeof ReadableStreamBYOBReader !== 'undefined' && typeof Blob !== 'undefined' && typeof Blob.prototype.stream === 'function';
  }

  /** See ByteSource.readInto: the returned view replaces `target`, whose buffer is transferred. */
  readInto(offset: number, target: Uint8Array): Promise<Uint8Array> {
    const run = this.queue.then(() => this.fill(offset, target));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async fill(offset: number, target: Uint8Array): Promise<Uint8Array> {
    clearTimeout(this.idle);
    const want = Math.max(0, Math.min(target.length, this.blob.size - offset));
    if (want === 0) return target.subarray(0, 0);
    if (!this.reader || this.position !== offset) {
      this.close();
      this.reader = this.blob.slice(offset).stream().getReader({ mode: 'byob' });
      this.position = offset;
    }
    const reader = this.reader;
    // Read both before the first read: a detached view reports offset 0.
    const at = target.byteOffset;
    let buffer = target.buffer as ArrayBuffer;
    let filled = 0;
    // One watch per fill, not a timer per chunk: a slice arrives in dozens of chunks.
    const watch = stallWatch(this.stallMs, () => `reading the file stalled at byte ${offset + filled}`);
    const reads = (async () => {
      while (filled < want) {
        const { value, done } = await reader.read(new Uint8Array(buffer, at + filled, want - filled));
        // The read transferred `buffer`; its memory comes back as value.buffer.
        if (!value) throw new Error(`the stream over bytes from ${offset} was cancelled during a read`);
        buffer = value.buffer as ArrayBuffer;
        filled += value.byteLength;
        watch.progressed();
        if (done) break;
      }
    })();
    try {
      await Promise.race([reads, watch.stalled]);
    } catch (e) {
      this.close();
      reads.catch(() => undefined); // the cancelled read ends it
      throw e;
    } finally {
      watch.stop();
    }
    this.position = offset + filled;
    if (filled < want) throw new Error(`the file ended after ${this.position} of ${this.blob.size} bytes`);
    if (this.position >= this.blob.size) this.close();
    else this.idle = unrefTimer(setTimeout(() => this.close(), IDLE_MS));
    return new Uint8Array(buffer, at, filled);
  }

  private close(): void {
    clearTimeout(this.idle);
    this.reader?.cancel().catch(() => undefined);
    this.reader = null;
  }
}

/**
 * `stalled` rejects once `ms` pass without progressed() being called, with `what()` (what was
 * being read, and how far it got) and how long nothing came; stop() ends the watch. A caller that
 * can cancel the read (a stream) does so; a Blob slice read is only left behind.
 */
function stallWatch(ms: number, what: () => string): { stalled: Promise<never>; progressed(): void; stop(): void } {
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    const check = () => {
      const quiet = Date.now() - last;
      if (quiet < ms) timer = setTimeout(check, ms - quiet);
      else reject(new Error(`${what()}: no data for ${ms / 1000} s`));
    };
    timer = setTimeout(check, ms);
  });
  stalled.catch(() => undefined); // raced by the caller; never an unhandled rejection after stop()
  return { stalled, progressed: () => (last = Date.now()), stop: () => clearTimeout(timer) };
}

/** Node's timers would keep a CLI process alive for the idle wait; browsers return a number. */
function unrefTimer<T>(t: T): T {
  (t as { unref?: () => void }).unref?.();
  return t;
}
