// blockReads serves small reads from 64 KiB blocks. Oracle: the same reads straight from the
// bytes; and, for a real QEMU 7.2 qcow2 image, the reads the snapshot list costs without blocks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blockReads } from './block-reads.ts';
import { memorySource, type ByteSource } from './byte-source.ts';
import { qcow2List, readQcow2 } from './container/qcow2.ts';
import { sniffContainer } from './container/sniff.ts';
import { FIXTURE_DIR, prng } from './testing/fixtures.ts';

/** A source that counts the reads that reach it (each a Blob round trip in the browser). */
function counted(bytes: Uint8Array): ByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  const m = memorySource(bytes);
  // Fresh copies: a caller that kept a view into a block would see no shared memory here either.
  return { size: m.size, reads, read: async (o, l) => (reads.push([o, l]), (await m.read(o, l)).slice()) };
}

describe('blockReads', () => {
  it('returns the bytes a direct read returns, for seeded random reads across block edges and the end', async () => {
    const seed = 20261204;
    const rnd = prng(seed);
    const bytes = new Uint8Array(300_001).map((_, i) => (i * 131 + (i >> 9)) & 0xff);
    const src = counted(bytes);
    const blocks = blockReads(src);
    for (let i = 0; i < 1000; i++) {
      const offset = Math.floor(rnd() * (bytes.length + 10));
      const length = rnd() < 0.1 ? Math.floor(rnd() * 200_000) : Math.floor(rnd() * 70_000);
      const got = Buffer.from(await blocks.read(offset, length));
      // Buffer equality: expect's deep equality walks typed arrays element by element (minutes here).
      expect(got.equals(bytes.subarray(offset, offset + length)), `seed ${seed} read ${i}: ${length} at ${offset}, got ${got.length} bytes`).toBe(true);
    }
    // Reads of at most a block went to the source in whole blocks: 5 blocks cover the file.
    expect(src.reads.filter(([, l]) => l <= 65_536).every(([o]) => o % 65_536 === 0), `seed ${seed}`).toBe(true);
  });

  it('lists a real image\'s snapshots with 2 reads, where the reads one by one took 9', async () => {
    const image = new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2/pc-v3.qcow2.gz'))));
    const direct = counted(image);
    const plain = await sniffContainer(direct, { onList: () => direct.reads.push([-1, 0]) });
    const before = direct.reads.findIndex(([o]) => o === -1);
    const src = counted(image);
    const list = await qcow2List(blockReads(src));
    expect(src.reads.length).toBe(2);
    expect(before).toBeGreaterThanOrEqual(src.reads.length + 5);
    // The same list as the whole read, with the snapshot to open marked and nothing mapped yet.
    expect(list!.qcow2!.snapshots).toEqual(plain!.qcow2!.snapshots);
    expect(list!.qcow2!.opening).toBe(plain!.qcow2!.chosen);
    expect(list!.qcow2!.chosen).toBeUndefined();
    expect(list!.qcow2!.extents).toEqual([]);
    // And the whole read through blocks equals the read without them.
    expect(await readQcow2(blockReads(counted(image)))).toEqual(plain);
  });
});
