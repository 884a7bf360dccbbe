// Random-access byte source: the only way the format core reads a file. Implemented over a
// Uint8Array here, over a File/Blob in the worker and over a file handle in Node (src/cli), so a
// 16 GiB stream is read in slices and never held whole.

export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional: reads into `target` (fills it unless the source ends), returns the bytes read. */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** A Blob/File source (browser and worker). */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** A view of `[start, start + size)` of another source, e.g. a PACKAGED sub-stream. */
export function subSource(base: ByteSource, start: number, size: number): ByteSource {
  return {
    size,
    read: (offset, length) => base.read(start + offset, Math.min(length, size - offset)),
  };
}

export async function readAll(source: ByteSource, offset = 0, length = source.size - offset): Promise<Uint8Array> {
  return source.read(offset, length);
}
