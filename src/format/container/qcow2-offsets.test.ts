// Host offsets of a qcow2 snapshot's VM-state bytes (container/types.ts fileOffsetOf), checked on
// real QEMU 7.2 images against the state read through the snapshot's own L1/L2 tables: the image
// byte at the host offset is the VM-state byte, at every extent edge and at seeded random offsets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { openQcow2, vmStateSource } from '../qcow2/index.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { readQcow2 } from './qcow2.ts';
import { fileOffsetOf } from './types.ts';

const unpack = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2', name))));

describe.each([['pc-holes.qcow2.gz', undefined], ['pc-v3.qcow2.gz', 'before'], ['pc-v3.qcow2.gz', 'after']])('%s %s', (gz, snapshot) => {
  it('maps every VM-state byte stored in a data cluster to the image byte that holds it', async () => {
    const image = unpack(gz);
    const info = (await readQcow2(memorySource(image), { snapshot }))!;
    const q = info.qcow2!;
    const img = await openQcow2(memorySource(image));
    const state = await vmStateSource(memorySource(image), img, img.snapshots[q.chosen!]).read(0, info.streamSize!);
    const seed = 0x5eed;
    let x = seed;
    const random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % state.length);
    const offsets = [...q.extents.flatMap((e) => [e.offset, e.offset + e.length - 1]), ...Array.from({ length: 2000 }, random)];
    let mapped = 0;
    for (const o of offsets) {
      const host = fileOffsetOf(info, o);
      const inExtent = q.extents.some((e) => o >= e.offset && o < e.offset + e.length);
      expect(host !== null, `seed ${seed}, offset ${o}`).toBe(inExtent);
      if (host === null) continue;
      mapped++;
      expect(image[host], `seed ${seed}, VM state offset 0x${o.toString(16)} -> image 0x${host.toString(16)}`).toBe(state[o]);
    }
    expect(mapped).toBeGreaterThan(1000);
    expect(fileOffsetOf(info, state.length)).toBeNull();
    expect(fileOffsetOf(info, -1)).toBeNull();
  });
});
