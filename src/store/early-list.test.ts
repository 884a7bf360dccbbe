// The snapshot list of a real qcow2 image (QEMU 7.2 savevm, scripts/make-qcow2-fixtures.mjs) is
// on the page before the worker has said anything: the worker's messages are all held here, so a
// list in the store can only be the page's own read. The worker's mapped VM state replaces it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { gatedStore } from './open-gate.ts';
import { chosenSnapshot } from './snapshot-choice.ts';

const image = new Blob([new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2/pc-v3.qcow2.gz'))))]);
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('the snapshot list read on the page', { timeout: 60_000 }, () => {
  it('is in the store while every worker message is held, then the worker\'s mapped state replaces it', async () => {
    const h = gatedStore();
    h.gate.gateNextOpen();
    const opening = h.store.getState().openFile(image, 'pc-v3.qcow2');
    await until(() => h.store.getState().container !== null);
    const early = h.store.getState().container!;
    expect(early.qcow2!.snapshots.map((s) => s.name)).toEqual(['before', 'after', 'disk-only']);
    expect(early.qcow2!.opening).toBe(1); // "after", the newest with a VM state
    expect(chosenSnapshot(h.store.getState())).toBeNull();
    h.gate.release();
    await opening;
    const done = h.store.getState().container!;
    expect(done.qcow2!.opening).toBeUndefined();
    expect(chosenSnapshot(h.store.getState())?.name).toBe('after');
    expect(done.qcow2!.extents.length).toBeGreaterThan(0);
  });

  it('is not read for a file that is no qcow2 image: the container stays empty', async () => {
    const h = gatedStore();
    await h.store.getState().openFile(new Blob([readFileSync(join(FIXTURE_DIR, 'q35-devstate.bin'))]), 'q35-devstate.bin');
    expect(h.store.getState().model).not.toBeNull();
    expect(h.store.getState().container).toBeNull();
  });
});
