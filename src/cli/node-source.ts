// ByteSource over a file: the CLI reads files in slices like the worker does. The reads are
// synchronous (readSync): a command reads one file front to back with nothing else to do
// meanwhile, and a read through Node's thread pool costs a thread hand-off per slice (plus the
// pool's four threads to start) for no overlap the two cores of a shared machine give back. The
// source says so (`immediate`), so the scanner reads small slices that stay in the CPU's cache
// (format/window-reader.ts).
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import type { ByteSource } from '../format/byte-source.ts';
import type { EqualBytes } from '../format/diff/ram-paired.ts';

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

/**
 * `threadPool`: reads go through Node's thread pool (fs.read) instead of readSync. Only the
 * decompression of a compressed image asks for it: there the next read runs on the second core
 * while the main thread decodes the previous one (format/container/inflate.ts reads one ahead),
 * which readSync, blocking the main thread, never overlaps (npm run bench).
 */
export async function fileSource(path: string, opts: { threadPool?: boolean } = {}): Promise<NodeFileSource> {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let open = true;
  const fill = (target: Uint8Array, offset: number): Uint8Array => {
    let got = 0;
    while (got < target.length) {
      const n = readSync(fd, target, got, target.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === target.length ? target : target.subarray(0, got);
  };
  const readOnce = (target: Uint8Array, at: number, offset: number) =>
    new Promise<number>((res, rej) => read(fd, target, at, target.length - at, offset + at, (e, n) => (e ? rej(e) : res(n))));
  const pooled = async (target: Uint8Array, offset: number) => {
    let got = 0;
    while (got < target.length) {
      const n = await readOnce(target, got, offset);
      if (n === 0) break;
      got += n;
    }
    return got === target.length ? target : target.subarray(0, got);
  };
  const fillAny = opts.threadPool ? pooled : async (target: Uint8Array, offset: number) => fill(target, offset);
  return {
    size,
    immediate: !opts.threadPool,
    async read(offset, length) {
      return fillAny(new Uint8Array(Math.max(0, Math.min(length, size - offset))), offset);
    },
    async readInto(offset, target) {
      return fillAny(target, offset);
    },
    async close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/**
 * Node's memcmp (Buffer#compare takes any Uint8Array and ranges, so nothing is copied or wrapped):
 * the CLI's RAM comparison compares megabytes of pages per call (ram-paired.ts), ~10x the plain
 * JS loop.
 */
export const nodeEqualBytes: EqualBytes = (a, aAt, b, bAt, n) => Buffer.prototype.compare.call(a, b, bAt, bAt + n, aAt, aAt + n) === 0;
