// ByteSource over a file handle: the CLI reads files in slices like the worker does.
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../format/byte-source.ts';
import type { EqualBytes } from '../format/diff/ram-paired.ts';

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<NodeFileSource> {
  const fh: FileHandle = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
    async readInto(offset, target) {
      let got = 0;
      while (got < target.length) {
        const { bytesRead } = await fh.read(target, got, target.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return target.subarray(0, got);
    },
    close: () => fh.close(),
  };
}

/**
 * Node's memcmp (Buffer#compare takes any Uint8Array and ranges, so nothing is copied or wrapped):
 * the CLI's RAM comparison compares megabytes of pages per call (ram-paired.ts), ~10x the plain
 * JS loop.
 */
export const nodeEqualBytes: EqualBytes = (a, aAt, b, bAt, n) => Buffer.prototype.compare.call(a, b, bAt, bAt + n, aAt, aAt + n) === 0;
