// Random-access byte source: the only way the format core reads a file. Implemented over a
// Uint8Array here, over a File/Blob in the worker and over a file handle in Node (src/cli), so a
// 16 GiB stream is read in slices and never held whole.

import { readSlice, SequentialBlobReader, STALL_MS } from './blob-stream.ts';

export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` with the bytes at `offset` (fewer only at the end of the source) and
   * returns the filled part. The returned view may sit on a new ArrayBuffer object: a BYOB stream
   * read transfers the target's memory, leaving `target` itself detached, so callers use only
   * what this returns (its `.buffer` is the whole of the target's former buffer).
   */
  readInto?(offset: number, target: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: the whole source, when it is already in memory. Readers use it as their window
   * instead of copying it into buffers of their own (WindowReader): a scan of a small in-memory
   * file then allocates nothing per slice, which is what makes `npm run fuzz` and the hostile-input
   * tests cheap per case.
   */
  readonly bytes?: Uint8Array;
  /**
   * Optional: reads are done when they return (a file the CLI reads with readSync). Reading ahead
   * then gains nothing and pushes the slice being decoded out of the CPU's cache, so WindowReader
   * does not, and reads small slices that stay in it.
   */
  readonly immediate?: boolean;
  /**
   * Optional: the slice size that suits the source, for readers that do not choose their own
   * (WindowReader). The CLI reads a large file ahead through Node's thread pool in 1 MiB slices:
   * read ahead, so the copy overlaps the decoding, and small, so the decoder finds them in cache.
   */
  readonly sliceSize?: number;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    bytes,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** Blobs from this size stream their slices (see blobSource); smaller ones read slices as before. */
export const STREAM_FROM = 64 * 1024 * 1024;

/**
 * A Blob/File source (browser and worker). Small reads (hex pages, headers) take a Blob slice
 * each; readInto, which the scanner's WindowReader uses for its slices, streams a large file into
 * the reader's own buffers. A fresh ArrayBuffer per 8 MiB slice made Chromium's worker grow by
 * hundreds of MiB during a 4 GiB scan before the collector caught up (`npm run bench`). Below
 * STREAM_FROM that garbage is a few slices at most, and Blob slices are the path proven longest.
 * A read that brings nothing for `stallMs` fails with an error naming its bytes (blob-stream.ts).
 */
export function blobSource(blob: Blob, streamFrom = STREAM_FROM, stallMs = STALL_MS): ByteSource {
  const stream = blob.size >= streamFrom && SequentialBlobReader.supported() ? new SequentialBlobReader(blob, stallMs) : null;
  const read = (offset: number, length: number) => readSlice(blob, offset, length, stallMs);
  return {
    size: blob.size,
    read,
    readInto: stream
      ? (offset, target) => stream.readInto(offset, target)
      : async (offset, target) => {
          const chunk = await read(offset, target.length);
          target.set(chunk);
          return target.subarray(0, chunk.length);
        },
  };
}

/** A view of `[start, start + size)` of another source, e.g. a PACKAGED sub-stream. */
export function subSource(base: ByteSource, start: number, size: number): ByteSource {
  const clip = (offset: number, length: number) => Math.max(0, Math.min(length, size - offset));
  const source: ByteSource = {
    size,
    bytes: base.bytes?.subarray(start, start + size),
    immediate: base.immediate,
    sliceSize: base.sliceSize,
    read: (offset, length) => base.read(start + offset, clip(offset, length)),
  };
  if (base.readInto) {
    const baseReadInto = base.readInto.bind(base);
    source.readInto = (offset, target) => baseReadInto(start + offset, target.subarray(0, clip(offset, target.length)));
  }
  return source;
}

export async function readAll(source: ByteSource, offset = 0, length = source.size - offset): Promise<Uint8Array> {
  return source.read(offset, length);
}
