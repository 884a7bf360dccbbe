// A fresh worker's first decode runs cold code: the q35 device-state sample takes ~90 ms in a new
// process and ~25 ms once the engine has optimised the decoder. The worker starts with the page,
// seconds before a person picks a file, so it spends that idle time decoding a built-in sample and
// the user's first file opens at warm speed. Any request stops it: it is never in the way.

import { blobSource } from '../format/byte-source.ts';
import { CancelledError } from '../format/errors.ts';
import { warmUpLibrary } from './library-fetch.ts';
import { scanStream } from '../format/scan.ts';
import { outline } from './outline.ts';
import { hasHeader, preliminaryModel } from './preliminary.ts';

/** Passes over the sample: the second runs the code the engine optimised during the first. */
const PASSES = 2;

export type WarmUpResult = 'warmed' | 'stopped' | 'failed';

/** Decodes `sample` PASSES times the way an open does; `signal` stops it between records. */
export async function warmUp(sample: Blob, signal: AbortSignal): Promise<WarmUpResult> {
  try {
    for (let i = 0; i < PASSES && !signal.aborted; i++) {
      const source = blobSource(sample);
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
