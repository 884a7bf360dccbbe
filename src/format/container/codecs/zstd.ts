// zstd (newer libvirt: `zstd -c`; libvirt 9.0 refuses it, images come from other hosts): fzstd, a
// pure JavaScript streaming decoder with no Node built-ins. It calls back once per block (at most
// 128 KiB) from inside push, so `emit` runs (and may stop a bomb) block by block. fzstd does not
// check the frames' XXH64 content checksums; zstd-frames.ts finds them and xxhash-wasm checks them.

import { Decompress } from 'fzstd';
import xxhash from 'xxhash-wasm';
import { CodecError, type Decoder, type Emit } from './decoder.ts';
import { ZstdFrameWalker, type FrameEnd } from './zstd-frames.ts';

export async function zstdDecoder(emit: Emit): Promise<Decoder> {
  const { create64 } = await xxhash();
  const walker = new ZstdFrameWalker();
  let consumed = 0;
  let produced = 0;
  let hash = create64();
  let blocks = 0;
  let frame: FrameEnd | undefined;
  const z = new Decompress((out, final) => {
    if (final && out.length === 0) return;
    hash.update(out);
    blocks++;
    frame ??= walker.ended.shift();
    if (frame && blocks === frame.blocks) {
      const got = Number(hash.digest() & 0xffffffffn);
      if (frame.checksum !== null && got !== frame.checksum) {
        throw new CodecError(`zstd: the frame's content checksum ${frame.checksum.toString(16)}, computed ${got.toString(16)} over stream offsets up to ${produced + out.length}`, consumed);
      }
      hash = create64();
      blocks = 0;
      frame = undefined;
    }
    produced += out.length;
    emit(out);
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
      walker.push(chunk, consumed);
      run(chunk, false);
      consumed += chunk.length;
    },
    async end() {
      if (!walker.atFrameStart) throw new CodecError('zstd: the input ends inside a frame', consumed, true);
      run(new Uint8Array(0), true);
    },
    async cancel() {},
  };
}
