// ByteSource over a file: the CLI reads files in slices like the worker does, in one of two ways.
// - A small file is read synchronously (readSync) and the source says so (`immediate`): a read
//   through Node's thread pool costs a thread hand-off per slice for nothing, and the scanner then
//   reads small slices that stay in the CPU's cache (format/window-reader.ts).
// - A file read ahead (FileSourceOptions.readAhead; by size, READ_AHEAD_FROM) has its slices read through the thread
//   pool (fs.read), so WindowReader reads the next slice while the scanner decodes the current
//   one: the kernel's copy of the file, as long as `cat`'s, runs on the other core instead of
//   before each slice's decoding. In READ_AHEAD_SLICE slices (ByteSource.sliceSize), still small
//   enough to be in cache when the decoder walks them.
// - The compressed reads of a compressed image's decompression (FileSourceOptions.threadPool) go
//   through the thread pool too: there the next read runs on the second core while the main
//   thread decodes the previous one (format/container/inflate.ts reads one ahead).
import { closeSync, constants, fstatSync, openSync, read, readSync } from 'node:fs';
import type { ByteSource } from '../format/byte-source.ts';
import type { EqualBytes } from '../format/diff/ram-paired.ts';
import { IMMEDIATE_SLICE } from '../format/window-reader.ts';

export interface NodeFileSource extends ByteSource {
  close(): Promise<void>;
}

/**
 * Files from this size would be read ahead through the thread pool: none by default. Measured
 * (bench-cli.ts, the 1 GiB stream's scan alone at load 5): synchronous 198 ms, read ahead in
 * 1 MiB slices 297 ms. On this VM a thread-pool hand-off per slice costs more than the overlap
 * gives back; at load 15 the two were even (763 / 737 ms). Kept, and measured by every bench run,
 * for machines where it pays (a file source option, tested in node-source.test.ts).
 */
export const READ_AHEAD_FROM = Infinity;
/**
 * What each slice is longer than a whole number of pages. The scanner reads every slice into the
 * same two buffers at the same place, so the kernel's copy from the page cache sees one fixed
 * distance between each byte's file offset and its address, modulo the 4 KiB page. When the
 * destination is 1-31 bytes ahead of the source in that sense, the copy's stores alias its next
 * loads (4K aliasing) and the copy runs 2.5x slower: the 1 GiB bench stream's slices start at
 * file offset 8 + k MiB into buffers malloc places 16 bytes into a page, a distance of 8, and its
 * 1 GiB of reads took 390 ms of system time instead of 120 (perf: _copy_to_iter; /tmp floor loops
 * reading from offsets 0 and 8 into offsets 0-56). Slices of a page multiple + 64 bytes move that
 * distance by 64 each read, so at most one read in 64 meets the slow band, whatever the file's
 * layout and the allocator's alignment.
 */
export const SLICE_SKEW = 64;
/** The slice size of a file read synchronously (the scanner's own size, skewed). */
export const IMMEDIATE_READ_SLICE = IMMEDIATE_SLICE + SLICE_SKEW;
/** The slice size of a file read ahead (bench-cli.ts measures it against the synchronous reads). */
export const READ_AHEAD_SLICE = 1024 * 1024 + SLICE_SKEW;

export interface FileSourceOptions {
  /** Read slices ahead through the thread pool (default: for files of READ_AHEAD_FROM and up). */
  readAhead?: boolean;
  /** Every read through the thread pool, in the reader's own slices (inflate.ts reads one ahead). */
  threadPool?: boolean;
}

export async function fileSource(path: string, opts: FileSourceOptions = {}): Promise<NodeFileSource> {
  // O_NONBLOCK: opening a named pipe no one writes to would wait for a writer forever; a pipe is
  // refused below anyway, and a regular file's reads ignore the flag.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let size: number;
  try {
    const st = fstatSync(fd);
    // Read by offset, in slices, more than once: a pipe (`<(zcat f)`) or a device reports size 0
    // and was decoded as an empty file with exit 0; a directory failed with no name ("EISDIR").
    if (st.isDirectory()) throw new Error(`${path}: is a directory, not a file`);
    if (!st.isFile()) throw new Error(`${path}: not a regular file (a pipe or device): files are read by offset, in slices, so give a file on disk`);
    size = st.size;
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
  // Reads in flight in the thread pool: the file is closed only once they are done, or a read
  // queued behind them could find the descriptor closed (or another file's) when its turn comes.
  const inFlight = new Set<Promise<unknown>>();
  const fillAhead = (target: Uint8Array, offset: number): Promise<Uint8Array> => {
    const done = new Promise<Uint8Array>((resolve, reject) => {
      let got = 0;
      const step = () =>
        read(fd, target, got, target.length - got, offset + got, (e, n) => {
          if (e) return reject(e);
          got += n;
          if (n === 0 || got === target.length) resolve(got === target.length ? target : target.subarray(0, got));
          else step();
        });
      step();
    });
    const settled: Promise<unknown> = done.then(
      () => inFlight.delete(settled),
      () => inFlight.delete(settled),
    );
    inFlight.add(settled);
    return done;
  };
  const readAhead = opts.readAhead ?? size >= READ_AHEAD_FROM;
  const pooled = readAhead || opts.threadPool;
  const source: NodeFileSource = {
    size,
    async read(offset, length) {
      const target = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return opts.threadPool ? fillAhead(target, offset) : fill(target, offset);
    },
    async close() {
      await Promise.all(inFlight);
      if (open) closeSync(fd);
      open = false;
    },
    ...(pooled
      ? { ...(readAhead ? { sliceSize: READ_AHEAD_SLICE } : {}), readInto: (offset: number, target: Uint8Array) => fillAhead(target, offset) }
      : { immediate: true, sliceSize: IMMEDIATE_READ_SLICE, readInto: async (offset: number, target: Uint8Array) => fill(target, offset) }),
  };
  return source;
}

/**
 * Node's memcmp (Buffer#compare takes any Uint8Array and ranges, so nothing is copied or wrapped):
 * the CLI's RAM comparison compares megabytes of pages per call (ram-paired.ts), ~10x the plain
 * JS loop.
 */
export const nodeEqualBytes: EqualBytes = (a, aAt, b, bAt, n) => Buffer.prototype.compare.call(a, b, bAt, bAt + n, aAt, aAt + n) === 0;
