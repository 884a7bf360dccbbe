// Damaged qcow2 images: a real image (scripts/make-qcow2-fixtures.mjs) with one table entry changed
// at a time. Each gives a DecodeError naming the byte that holds the bad value; nothing else is
// thrown and nothing hangs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { DecodeError } from '../errors.ts';
import { FIXTURE_DIR, prng } from '../testing/fixtures.ts';
import { openQcow2, vmStateSource } from './index.ts';

const original = new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2/pc-v3.qcow2.gz'))));
const be = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Opens the image and reads the first snapshot's whole VM state; returns the error, if any. */
async function readAll(bytes: Uint8Array): Promise<unknown> {
  try {
    const src = memorySource(bytes);
    const img = await openQcow2(src);
    const snap = img.snapshots.find((s) => s.vmStateSize > 0);
    if (snap) {
      const state = vmStateSource(src, img, snap);
      for (let o = 0; o < state.size; o += 65536) await state.read(o, 65536);
    }
    return null;
  } catch (e) {
    return e;
  }
}

async function expectProblem(bytes: Uint8Array, code: string, offset: number, words: RegExp) {
  const e = await readAll(bytes);
  expect(e).toBeInstanceOf(DecodeError);
  expect((e as DecodeError).code).toBe(code);
  expect((e as DecodeError).offset).toBe(offset);
  expect((e as DecodeError).message).toMatch(words);
}

describe('damaged qcow2 images', () => {
  const snapTable = Number(be(original).getBigUint64(64));
  const snapL1 = Number(be(original).getBigUint64(snapTable));

  it('refuses an encrypted image, naming crypt_method', async () => {
    const b = original.slice();
    be(b).setUint32(32, 1);
    await expectProblem(b, 'unsupported-image', 32, /encrypted/);
  });

  it('refuses an image with an external data file', async () => {
    const b = original.slice();
    be(b).setBigUint64(72, be(b).getBigUint64(72) | 4n);
    await expectProblem(b, 'unsupported-image', 72, /external data file/);
  });

  it('reports a snapshot table past the end of the image', async () => {
    const b = original.slice();
    be(b).setUint32(60, 50); // 50 snapshots: the table runs off the end
    const e = await readAll(b);
    expect((e as DecodeError).code).toBe('truncated');
  });

  it('reports a snapshot L1 entry that points past the end, at that entry', async () => {
    const b = original.slice();
    // The first L1 entry that maps the VM state: index = vm state offset >> 29 for 64 KiB clusters.
    const img = await openQcow2(memorySource(original));
    const index = Math.ceil(img.snapshots[0].diskSize / 2 ** 29);
    be(b).setBigUint64(snapL1 + index * 8, 0x00f0000000000000n);
    await expectProblem(b, 'bad-image', snapL1 + index * 8, /L2 table offset inside the image/);
  });

  it('reports a VM state size beyond what the snapshot L1 table maps', async () => {
    const b = original.slice();
    be(b).setBigUint64(snapTable + 40, 1n << 40n); // vm_state_size_large in the extra data
    await expectProblem(b, 'bad-image', snapTable + 32, /L1 entries/);
  });

  it('survives 1,000 seeded random changes to the header and tables: only DecodeErrors', async () => {
    const rand = prng(20261204);
    const hot = [0, 104, snapTable, snapTable + 80, snapL1, snapL1 + 64];
    for (let i = 0; i < 1000; i++) {
      const b = original.slice();
      const at = hot[Math.floor(rand() * hot.length)] + Math.floor(rand() * 64);
      b[at] = Math.floor(rand() * 256);
      const e = await readAll(b);
      if (e !== null && !(e instanceof DecodeError)) throw new Error(`case ${i}: byte ${at} -> ${b[at]}: ${(e as Error).stack}`);
    }
  });
});

describe('compressed clusters', () => {
  // QEMU's savevm never compresses VM state, so no real image has a compressed cluster there; this
  // rewrites one data cluster of the real image as a compressed one (qcow2.txt "Compressed Clusters
  // Descriptor", raw deflate as QEMU's zlib compression writes it) and checks that the VM state
  // reads the same bytes.
  it('inflates a compressed cluster of the VM state to the bytes it replaced', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const src = memorySource(original);
    const img = await openQcow2(src);
    const state = vmStateSource(src, img, img.snapshots[0]);
    const whole = await state.read(0, state.size);
    const [first] = await state.extents();
    const clusterOffset = 2 * 65536; // the third cluster of the state
    const host = first.host + clusterOffset;
    const packed = deflateRawSync(original.subarray(host, host + 65536));
    const at = Math.ceil(original.length / 512) * 512; // appended, 512-aligned
    const b = new Uint8Array(at + Math.ceil((packed.length + 100) / 512) * 512);
    b.set(original);
    b.set(packed, at);
    b.fill(0xee, at + packed.length, at + packed.length + 100); // junk after the deflate stream, as in a real sector
    // Find the L2 entry of that cluster and rewrite it.
    const l1 = Number(be(b).getBigUint64(Number(be(b).getBigUint64(64)))); // snapshot 0 L1 table
    const guest = state.base + clusterOffset;
    const l2 = Number(be(b).getBigUint64(l1 + Math.floor(guest / 2 ** 29) * 8) & 0x00fffffffffffe00n);
    const x = 62n - 8n; // 62 - (cluster_bits - 8) for 64 KiB clusters
    const sectors = BigInt(Math.ceil((packed.length + 100) / 512) - 1);
    be(b).setBigUint64(l2 + (Math.floor(guest / 65536) % 8192) * 8, (1n << 62n) | (sectors << x) | BigInt(at));
    const s2 = vmStateSource(memorySource(b), await openQcow2(memorySource(b)), (await openQcow2(memorySource(b))).snapshots[0]);
    expect(Buffer.from(await s2.read(0, s2.size)).equals(Buffer.from(whole))).toBe(true);
    await expect(s2.hostRanges(clusterOffset + 10, 4)).rejects.toThrow(/compressed cluster/);
  });
});
