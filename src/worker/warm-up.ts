// A fresh worker's first decode runs cold code: the q35 device-state sample takes ~90 ms in a new
// process and ~25 ms once the engine has optimised the decoder. The worker starts with the page,
// seconds before a person picks a file, so it spends that idle time decoding a built-in sample and
// the user's first file opens at warm speed. Any request stops it: it is never in the way.
// It must also let a request in: a sample in memory decodes in one run of microtasks (every read
// resolves at once), which held an open arriving mid-way back until the pass ended (400 ms at
// load 15, a Chromium trace of `npm run bench` part open4g). So its reads are small and each
// one yields to the worker's task queue, where the request's message waits.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { CancelledError } from '../format/errors.ts';
import { warmUpLibrary } from './library-fetch.ts';
import { scanStream } from '../format/scan.ts';
import { outline } from './outline.ts';
import { hasHeader, preliminaryModel } from './preliminary.ts';

/** Passes over the sample: the second runs the code the engine optimised during the first. */
const PASSES = 2;

export type WarmUpResult = 'warmed' | 'stopped' | 'failed';

/** The scan's slices in the warm-up (ByteSource.sliceSize): each read comes after a turn of the task queue. */
export const WARM_UP_SLICE = 32 * 1024;

/** One turn of the task queue (not a 4 ms-clamped timer): messages waiting are handled first. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** `source` with every read after nextTask(), the scan's in WARM_UP_SLICE slices; a stop ends the reads. */
function yielding(source: ByteSource, signal: AbortSignal): ByteSource {
  return {
    size: source.size,
    sliceSize: WARM_UP_SLICE,
    async read(offset, length) {
      await nextTask();
      if (signal.aborted) throw new CancelledError();
      return source.read(offset, length);
    },
  };
}

/** Decodes `sample` PASSES times the way an open does; `signal` stops it at its next read. */
export async function warmUp(sample: Blob, signal: AbortSignal): Promise<WarmUpResult> {
  try {
    for (let i = 0; i < PASSES && !signal.aborted; i++) {
      const source = yielding(blobSource(sample), signal);
      const library = await warmUpLibrary(source);
      if (await hasHeader(source)) await preliminaryModel(source, library);
      outline((await scanStream(source, { library, signal })).model);
    }
    return signal.aborted ? 'stopped' : 'warmed';
  } catch (e) {
    // Only an optimisation: a missing or unreadable sample changes nothing for the user.
    return e instanceof CancelledError ? 'stopped' : 'failed';
  }
}
