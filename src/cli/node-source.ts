// ByteSource over a file: the CLI reads files in slices like the worker does. The reads are
// synchronous (readSync): a command reads one file front to back with nothing else to do
// meanwhile, and a read through Node's thread pool costs a thread hand-off per slice (plus the
// pool's four threads to start) for no overlap the two cores of a shared machine give back. The
// source says so (`immediate`), so the scanner reads small slices that stay in the CPU's cache
// (format/window-reader.ts).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../format/byte-source.ts';
import type { EqualBytes } from '../format/diff/ram-paired.ts';

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<NodeFileSource> {
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
  return {
    size,
    immediate: true,
    async read(offset, length) {
      return fill(new Uint8Array(Math.max(0, Math.min(length, size - offset))), offset);
    },
    async readInto(offset, target) {
      return fill(target, offset);
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
