// xz (libvirt runs `xz -c`): xz-decompress, xz-embedded compiled to WebAssembly, with no Node
// built-ins, so the worker and the CLI share it. It pulls its input as it needs it and returns
// one output buffer per read, so memory stays at its buffers and the LZMA2 dictionary.

import * as xzModule from 'xz-decompress';
import type { Decoder, Emit } from './decoder.ts';
import { pairDecoder } from './stream-pair.ts';

// A UMD bundle: Node's ESM loader sees only its default export, bundlers see the names too.
const { XzReadableStream } = ((xzModule as { default?: typeof xzModule }).default ?? xzModule) as typeof xzModule;

export function xzDecoder(emit: Emit): Decoder {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const output = new XzReadableStream(input.readable);
  return pairDecoder({ writable: input.writable, readable: output }, emit, 256 << 10, 'xz');
}
