// The CLI's spill of a decompressed stream (a temporary file, cli/container-open.ts), written
// through Node's thread pool so the disk writes run on the second core while the main thread
// decodes the next block: written with writeSync, every write stopped the decoder (and zlib,
// which waits for the main thread to hand it its next input) for as long as the disk took
// (`npm run bench`: "CLI open"). Memory stays bounded: output is gathered into a small fixed
// ring of buffers (decoders reuse theirs, codecs/decoder.ts `Emit`), and when all of them are
// still being written the next one is written synchronously instead of waiting or growing.
import { write, writeSync } from 'node:fs';

/** Bytes per write, and buffers in the ring: at most RING * BLOCK bytes wait for the disk. */
const BLOCK = 1 << 20;
const RING = 4;

export class SpillFile {
  /** Bytes handed to `write` so far (the file's length once `flush` has settled). */
  length = 0;
  private readonly free: Uint8Array[] = [];
  private current: Uint8Array | undefined;
  private filled = 0;
  /** The file offset of `current`'s first byte, or of the next buffer's when there is none. */
  private base = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private idle: (() => void)[] = [];

  constructor(private readonly fd: number, private readonly ring = RING, private readonly block = BLOCK) {
    for (let i = 0; i < ring; i++) this.free.push(new Uint8Array(block));
  }

  /** Takes `chunk` at once (the caller may reuse it when this returns); throws a write's error. */
  write(chunk: Uint8Array): void {
    this.check();
    for (let done = 0; done < chunk.length; ) {
      if (!this.current) {
        this.current = this.free.pop();
        this.filled = 0;
        if (!this.current) {
          // Every buffer is on its way to the disk: the rest of this output goes synchronously.
          this.writeAllSync(chunk.subarray(done), this.base);
          this.base += chunk.length - done;
          break;
        }
      }
      const n = Math.min(chunk.length - done, this.block - this.filled);
      this.current.set(chunk.subarray(done, done + n), this.filled);
      this.filled += n;
      done += n;
      if (this.filled === this.block) this.send();
    }
    this.length += chunk.length;
  }

  /** Waits until at most `behind` buffers are still being written (back-pressure between pushes). */
  async settle(behind = this.ring - 1): Promise<void> {
    while (this.inFlight > behind && !this.failure) await new Promise<void>((res) => this.idle.push(res));
    this.check();
  }

  /** Waits until no write is on its way, failed or not (before the descriptor closes). */
  async stopped(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((res) => this.idle.push(res));
  }

  /** Writes what is gathered and waits for every write; throws the first failure. */
  async flush(): Promise<void> {
    if (this.current && this.filled > 0) this.send();
    await this.settle(0);
  }

  private send(): void {
    const buf = this.current!;
    const n = this.filled;
    this.current = undefined;
    this.inFlight++;
    this.writeAsync(buf, 0, n, this.base);
    this.base += n;
  }

  private writeAsync(buf: Uint8Array, from: number, n: number, at: number): void {
    write(this.fd, buf, from, n, at, (e, wrote) => {
      if (!e && wrote === 0) e = new Error(`the disk took none of ${n} bytes at offset ${at}`) as NodeJS.ErrnoException;
      if (!e && wrote < n) return this.writeAsync(buf, from + wrote, n - wrote, at + wrote);
      if (e) this.failure ??= e;
      this.inFlight--;
      this.free.push(buf);
      for (const res of this.idle.splice(0)) res();
    });
  }

  private writeAllSync(bytes: Uint8Array, at: number): void {
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
    } catch (e) {
      this.failure ??= e as Error;
      throw e;
    }
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
