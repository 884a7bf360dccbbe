// zstd (newer libvirt: `zstd -c`; libvirt 9.0 refuses it, images come from other hosts): fzstd, a
// pure JavaScript streaming decoder with no Node built-ins. It calls back once per block (at most
// 128 KiB) from inside push, so `emit` runs (and may stop a bomb) block by block. fzstd does not
// check the frames' XXH64 content checksums; zstd-frames.ts finds them and xxhash-wasm checks them.

import { Decompress } from 'fzstd';
import xxhash from 'xxhash-wasm';
import { CodecError, type Decoder, type Emit } from './decoder.ts';
import { ZstdFrameWalker, type FrameEnd } from './zstd-frames.ts';

/**
 * The input after the last clean cut (see ZstdFrameWalker): a block cut by the chunk's end, kept
 * in a buffer of our own because the chunk is reused after the push (Decoder.push).
 */
class Carry {
  private buf = new Uint8Array(1 << 17);
  length = 0;
  add(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const next = new Uint8Array(Math.max(2 * this.buf.length, this.length + bytes.length));
      next.set(this.view());
      this.buf = next;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export async function zstdDecoder(emit: Emit): Promise<Decoder> {
  const { create64 } = await xxhash();
  const walker = new ZstdFrameWalker();
  const carry = new Carry();
  let own = new Uint8Array(0);
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
    // The whole read at once: fzstd gets whole blocks, and emits block by block anyway.
    slice: 1 << 20,
    async push(input) {
      // A copy of our own: fzstd keeps an empty view of each piece's end, and joins it with the
      // next piece later; a view of inflate's buffer would be detached by the next BYOB read
      // (ByteSource.readInto), and joining it throws in the browser.
      if (own.length < input.length) own = new Uint8Array(input.length);
      own.set(input);
      const chunk = own.subarray(0, input.length);
      walker.push(chunk, consumed);
      if (walker.lastCut < 0) {
        carry.add(chunk);
      } else {
        // fzstd decodes whole blocks straight from the chunk; a piece that ends inside a block
        // would be kept by reference, and the next push would copy it with the whole next chunk.
        const first = walker.firstCut - consumed;
        const last = walker.lastCut - consumed;
        // The carried block's start and its end in this chunk go in as one piece, joined in the
        // carry's own buffer: pushed apart, fzstd would keep the first and join the two in a
        // fresh buffer of its own, and fresh memory is dear in the worker (npm run bench).
        if (carry.length) {
          carry.add(chunk.subarray(0, first));
          run(carry.view(), false);
        } else {
          run(chunk.subarray(0, first), false);
        }
        if (last > first) run(chunk.subarray(first, last), false);
        carry.length = 0;
        carry.add(chunk.subarray(last));
      }
      consumed += chunk.length;
    },
    async end() {
      if (!walker.atFrameStart) throw new CodecError('zstd: the input ends inside a frame', consumed, true);
      run(carry.view(), true);
    },
    async cancel() {},
  };
}
