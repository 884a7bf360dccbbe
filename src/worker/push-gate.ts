// Back-pressure for a decoder that queues its pushes (the browser's DecompressionStream) in the
// nested decompression worker (inflate-nested.ts). inflate (format/container/inflate.ts) writes
// all of a read's 32 KiB pushes to such a decoder at once, so the decompressor always has its next
// input waiting (awaited one by one, with a wait for the spill between them, gzip decoded at about
// half the speed); but it does so only without a `drain`, and the nested worker needs one, or a
// read's pushes would all inflate while the decode worker lags behind (1 MiB of zeros is ~1 GiB).
// This gate sits between inflate and the decoder: pushes reach the decoder as soon as they are
// made while the writer keeps up, at most `ahead` of them unsettled in the decoder, and none while
// the writer is `blocked()`. A push settles once its transform has run, and its output may then
// still wait in the stream's readable side, not yet seen by the writer, when the next push goes
// in: what waits for the spill is at most `ahead` + 1 pushes' output.

import { CancelledError } from '../format/errors.ts';
import type { Decoder } from '../format/container/codecs/decoder.ts';

/**
 * Pushes given to the decoder and unsettled at most. One: the next goes in as the previous one
 * settles (promise reactions, no task turn), and a DecompressionStream transforms it only after
 * the previous one's output was read anyway (its readable side's backpressure). With two, three
 * pushes' output could wait (an e2e stream of zeros at ~975:1 then queued 68 MiB).
 */
export const GATE_AHEAD = 1;

export interface PushGate {
  decoder: Decoder;
  /** The writer caught up (an acknowledgement came back): pushes held back go on. */
  open(): void;
  /** Cancel: pushes held back reject with CancelledError, none goes on. */
  cancel(): void;
}

export function gatePushes(inner: Decoder, blocked: () => boolean, ahead = GATE_AHEAD): PushGate {
  const held: { chunk: Uint8Array; resolve(): void; reject(e: unknown): void }[] = [];
  let unsettled = 0;
  let cancelled = false;
  const pump = () => {
    while (held.length > 0 && unsettled < ahead && !blocked() && !cancelled) {
      const h = held.shift()!;
      unsettled++;
      // A held chunk is still valid: its own push has not settled (Decoder.queued).
      inner.push(h.chunk).then(h.resolve, h.reject).finally(() => {
        unsettled--;
        pump();
      });
    }
  };
  return {
    decoder: {
      slice: inner.slice,
      queued: true,
      push(chunk) {
        if (cancelled) return Promise.reject(new CancelledError());
        return new Promise<void>((resolve, reject) => {
          held.push({ chunk, resolve, reject });
          pump();
        });
      },
      // inflate ends only after every push settled, so nothing is held here then.
      end: () => inner.end(),
      cancel: () => {
        cancelled = true;
        for (const h of held.splice(0)) h.reject(new CancelledError());
        return inner.cancel();
      },
    },
    open: pump,
    cancel() {
      cancelled = true;
      for (const h of held.splice(0)) h.reject(new CancelledError());
    },
  };
}
