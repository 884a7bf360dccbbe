// zstd (newer libvirt: `zstd -c`; libvirt 9.0 refuses it, images come from other hosts): fzstd, a
// pure JavaScript streaming decoder with no Node built-ins. It calls back once per block (at most
// 128 KiB) from inside push, so `emit` runs (and may stop a bomb) block by block.

import { Decompress } from 'fzstd';
import { CodecError, type Decoder, type Emit } from './decoder.ts';

export function zstdDecoder(emit: Emit): Decoder {
  let consumed = 0;
  const z = new Decompress((out) => {
    if (out.length) emit(out);
  });
  const run = (chunk: Uint8Array, final: boolean) => {
    try {
      z.push(chunk, final);
    } catch (e) {
      if (!(e instanceof Error) || !('code' in e)) throw e;
      // fzstd's code 5 is "unexpected EOF": the input ended inside a frame.
      throw new CodecError(`zstd: ${e.message}`, final ? undefined : consumed, final && e.code === 5);
    }
  };
  return {
    slice: 256 << 10,
    async push(chunk) {
      run(chunk, false);
      consumed += chunk.length;
    },
    async end() {
      run(new Uint8Array(0), true);
    },
    async cancel() {},
  };
}
