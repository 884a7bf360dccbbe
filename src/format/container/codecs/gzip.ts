// gzip (libvirt runs `gzip -c`): the platform's own DecompressionStream, which browsers and
// Node (>= 18) both have, so the worker and the CLI share it.

import type { Decoder, Emit } from './decoder.ts';
import { pairDecoder } from './stream-pair.ts';

/**
 * A browser's DecompressionStream inflates each written chunk whole before it looks at the
 * reader, and deflate expands at most 1032:1, so 32 KiB in means at most ~33 MiB queued.
 */
const SLICE = 32 << 10;

/** Node's DecompressionStream settles a write before zlib has read the chunk (stream-pair.ts). */
const NODE_STREAMS = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

export function gzipDecoder(emit: Emit, copyInput = NODE_STREAMS): Decoder {
  const pair = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return pairDecoder(pair, emit, SLICE, 'gzip', copyInput);
}
