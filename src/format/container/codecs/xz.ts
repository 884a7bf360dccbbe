// xz (libvirt runs `xz -c`): xz-decompress, xz-embedded compiled to WebAssembly, with no Node
// built-ins, so the worker and the CLI share it. It pulls its input as it needs it and returns
// one output buffer (64 KiB) per read, so memory stays at its buffers and the LZMA2 dictionary.
// We drive its streams directly: a push hands (a copy of) the chunk over when the decompressor
// asks for input and reads output until it asks again, with no stream in between.

import * as xzModule from 'xz-decompress';
import { CodecError, type Decoder, type Emit } from './decoder.ts';

// A UMD bundle: Node's ESM loader sees only its default export, bundlers see the names too.
const { XzReadableStream } = ((xzModule as { default?: typeof xzModule }).default ?? xzModule) as typeof xzModule;

export function xzDecoder(emit: Emit): Decoder {
  let input!: ReadableStreamDefaultController<Uint8Array>;
  let asked!: Promise<'input'>;
  let ask!: (v: 'input') => void;
  const expect = () => void (asked = new Promise((res) => (ask = res)));
  expect();
  const source = new ReadableStream<Uint8Array>({ start: (c) => void (input = c), pull: () => ask('input') }, { highWaterMark: 0 });
  const reader = new XzReadableStream(source).getReader();
  let next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let ending = false;
  let done = false;
  let failure: { error: unknown } | undefined;
  let own = new Uint8Array(0);

  /** Emits output until the decompressor asks for input, or to its end once the input has ended. */
  const drain = async () => {
    while (!done) {
      next ??= reader.read();
      let r: ReadableStreamReadResult<Uint8Array> | 'input';
      try {
        r = ending ? await next : await Promise.race([next, asked]);
      } catch (e) {
        throw new CodecError(`xz: ${e instanceof Error ? e.message : String(e)}`, undefined, ending);
      }
      if (r === 'input') return;
      next = undefined;
      if (r.done) done = true;
      else emit(r.value); // a limit thrown here passes through unchanged
    }
  };
  /** Waits for the ask, hands the input over, and emits what it decodes to. */
  const run = async (give: () => void) => {
    if (failure) throw failure.error;
    try {
      await drain();
      expect();
      give();
      await drain();
    } catch (e) {
      failure = { error: e };
      throw e;
    }
  };
  return {
    slice: 256 << 10,
    async push(chunk) {
      if (done) {
        // xz allows zero padding after a stream; anything else is not xz data.
        if (chunk.some((b) => b !== 0)) throw new CodecError('xz: data after the end of the xz stream');
        return;
      }
      // A copy, into one buffer of our own: xz-decompress keeps a view of its input's end, which
      // the worker's next BYOB read would detach (ByteSource.readInto). It asks for input only
      // once it has copied the last chunk whole into its WebAssembly memory, so the copy is made
      // then (in `give`) and the buffer is reused: a fresh one per push was fresh memory for
      // every 256 KiB, which the browser pays for dearly (npm run bench).
      await run(() => {
        if (own.length < chunk.length) own = new Uint8Array(chunk.length);
        own.set(chunk);
        input.enqueue(own.subarray(0, chunk.length));
      });
    },
    end: () =>
      run(() => {
        ending = true;
        input.close();
      }),
    async cancel() {
      await reader.cancel().catch(() => undefined);
    },
  };
}
