// Edits of a snapshot's VM state, written back into the qcow2 image in place: each changed run of
// the state maps to the image bytes that hold it (the snapshot's clusters), so a download is the
// original image with a few bytes replaced and a multi-GiB image costs nothing to build. Changing
// the state's size would need new clusters, a new snapshot table entry and refcounts: refused.

import type { Splice } from '../edit/change.ts';
import { DecodeError } from '../errors.ts';
import type { Qcow2VmState } from './vmstate-source.ts';

/** Bytes to write at an absolute offset of the image file. */
export interface ImagePatch {
  host: number;
  bytes: Uint8Array;
}

export type ImagePatchResult = { ok: true; patches: ImagePatch[] } | { ok: false; reason: string };

/** Maps same-size splices (in VM-state offsets, applied in order) to image-file patches. */
export async function imagePatches(state: Qcow2VmState, splices: readonly Splice[]): Promise<ImagePatchResult> {
  const patches: ImagePatch[] = [];
  for (const s of splices) {
    if (s.removed.length !== s.inserted.length) {
      return { ok: false, reason: `an edit at VM state byte ${s.offset} changes its size by ${s.inserted.length - s.removed.length} bytes; a snapshot's VM state inside a qcow2 image can only be changed in place` };
    }
    try {
      let used = 0;
      for (const r of await state.hostRanges(s.offset, s.inserted.length)) {
        patches.push({ host: r.host, bytes: s.inserted.subarray(used, used + r.length) });
        used += r.length;
      }
    } catch (e) {
      if (e instanceof DecodeError) return { ok: false, reason: e.expected };
      throw e;
    }
  }
  return { ok: true, patches };
}
