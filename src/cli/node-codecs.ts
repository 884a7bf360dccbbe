// Decompressors for the CLI, as Web Streams transforms (format/container/inflate.ts takes any).
// gzip is node:zlib's; the others come in with their npm packages.

import { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Codec } from '../format/container/types.ts';

export async function nodeDecoder(codec: Codec): Promise<ReadableWritablePair<Uint8Array, Uint8Array>> {
  switch (codec) {
    case 'gzip':
      return Duplex.toWeb(createGunzip()) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
    default:
      throw new Error(`${codec}-compressed streams are not supported yet`);
  }
}
