// One decoder interface for every compressor libvirt writes (qemu_saveimage_format.h:
// gzip, bzip2, xz, lzop, zstd), used unchanged by the worker (browser) and the CLI (Node), so
// both decode the same bytes the same way. Output is handed to a synchronous `emit` as it is
// produced (the spill writes it at once: an OPFS sync access handle, a file descriptor), so no
// decoder ever holds the decompressed stream, and `emit` may throw to stop a decompression bomb
// in the middle of a block.

import type { Codec } from '../types.ts';
// gzip is the platform's DecompressionStream behind a few lines: loaded with this module, so an
// open of the codec libvirt hosts use most fetches nothing (the fetch was ~25 ms of idle).
import { gzipDecoder } from './gzip.ts';

/** Receives each piece of output, valid only during the call (decoders reuse their buffers). */
export type Emit = (out: Uint8Array) => void;

export interface Decoder {
  /** Compressed bytes per push that keep one push's output small (a gzip chunk is inflated whole). */
  readonly slice: number;
  /**
   * Decodes the next compressed bytes; their output has gone to `emit` when this settles. `chunk`
   * is valid only until then (inflate reads the file into two buffers in turn): a decoder copies
   * what it keeps for later pushes.
   */
  push(chunk: Uint8Array): Promise<void>;
  /**
   * Optional: pushes may be made before the previous one settled; they settle in order, each
   * chunk valid until its own push settles, and the decoder still decodes them one at a time, its
   * output taken by `emit` before the next (inflate's pushQueued).
   */
  readonly queued?: boolean;
  /**
   * Optional: a buffer of the decoder's own (at least `length` bytes) for inflate to read the next
   * chunk into; such a chunk is the decoder's once pushed, so it keeps it without a copy (a
   * decoder that queues input, like node:zlib on the thread pool). It may wait until one of its
   * buffers is free again: this is how many chunks the decoder holds at most.
   */
  inputBuffer?(length: number): Promise<Uint8Array>;
  /** The input has ended: flushes the rest, and throws `CodecError` (truncated) if the stream is incomplete. */
  end(): Promise<void>;
  /** Frees what the decoder holds after a stop (WASM memory, stream locks). Never throws. */
  cancel(): Promise<void>;
}

/**
 * A decoder's own failure. `at` is the compressed byte (from the stream's start) where the bad
 * data starts when the decoder knows it (a block's start); `truncated` when the input ended early.
 */
export class CodecError extends Error {
  constructor(message: string, readonly at?: number, readonly truncated = false) {
    super(message);
  }
}

export type DecodingCodec = Exclude<Codec, 'raw' | 'mapped'>;

type MakeDecoder = (emit: Emit) => Decoder | Promise<Decoder>;
const loading = new Map<DecodingCodec, Promise<MakeDecoder>>();

/**
 * Starts loading `codec`'s decoder (its module and package: a fetch in the browser) and returns
 * its maker; loaded once. An open calls this as soon as it knows the codec, so the load overlaps
 * its other setup (opening the spill): done one after the other they took ~30 and ~40 ms of a
 * 128 MiB gzip open's ~600 (a CPU profile of the worker, persistent profile).
 */
export function loadDecoder(codec: DecodingCodec): Promise<MakeDecoder> {
  let made = loading.get(codec);
  if (!made) {
    // A failed load (the network) is tried again by the next open.
    made = importDecoder(codec);
    loading.set(codec, made);
    made.catch(() => loading.delete(codec));
  }
  return made;
}

async function importDecoder(codec: DecodingCodec): Promise<MakeDecoder> {
  switch (codec) {
    case 'gzip':
      return gzipDecoder;
    case 'xz':
      return (await import('./xz.ts')).xzDecoder;
    case 'zstd':
      return (await import('./zstd.ts')).zstdDecoder;
    case 'bzip2':
      return (await import('./bzip2.ts')).bzip2Decoder;
    case 'lzop':
      return (await import('./lzop.ts')).lzopDecoder;
  }
}

/** The decoder for `codec`; packages are loaded on first use so a raw image loads none of them. */
export async function decoderFor(codec: DecodingCodec, emit: Emit): Promise<Decoder> {
  return (await loadDecoder(codec))(emit);
}
