// Page hashes: the RAM pattern QEMU loaded at 0x100000 (pc-ram-migration.bin) hashes like the
// pattern file's own pages; hashing during the scan equals a pass over the index afterwards;
// a one-byte change always changes a page's hash (seeded).
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { fixtureBytes } from '../testing/fixtures.ts';
import { hashRam, hashWords, PageHasher } from './ram-hash.ts';

function pageHash(page: Uint8Array): [number, number] {
  const words = new Int32Array(page.slice().buffer);
  const a = new Uint32Array(1);
  const b = new Uint32Array(1);
  hashWords(words, a, b, 0);
  return [a[0], b[0]];
}

describe('RAM page hashes', () => {
  it('pages QEMU loaded from a file hash like that file\'s pages', async () => {
    const src = memorySource(fixtureBytes('pc-ram-migration.bin'));
    const scan = await scanStream(src);
    const ram = (await hashRam(src, scan.ram)).get('pc.ram')!;
    const pattern = fixtureBytes('pc-ram-pattern.bin');
    for (let i = 0; i < pattern.length / 4096; i++) {
      const page = 0x100000 / 4096 + i;
      expect([ram.h1[page], ram.h2[page]], `page 0x${page.toString(16)}`).toEqual(pageHash(pattern.subarray(i * 4096, (i + 1) * 4096)));
    }
    // Pages the guest never touched are zero pages, hashed as zeros.
    expect([ram.h1[0x300], ram.h2[0x300]]).toEqual(pageHash(new Uint8Array(4096)));
  });

  it('mapped-ram (QEMU 10.0): pages at fixed offsets, hashed from the bitmap\'s index, match the loaded file', async () => {
    const src = memorySource(fixtureBytes('qemu10/pc-mapped-ram.bin'));
    const scan = await scanStream(src);
    expect(scan.ram.mappedRam).toBe(true);
    const ram = (await hashRam(src, scan.ram)).get('pc.ram')!;
    const pattern = fixtureBytes('qemu10/ram-pattern.bin');
    for (let i = 0; i < pattern.length / 4096; i++) expect([ram.h1[0x100 + i], ram.h2[0x100 + i]]).toEqual(pageHash(pattern.subarray(i * 4096, (i + 1) * 4096)));
  });

  it.each(['pc-ram-migration.bin', 'diff/regs-1-migration.bin', 'qemu10/pc-migration.bin'])('%s: hashing during the scan equals a pass over the index', async (name) => {
    const src = memorySource(fixtureBytes(name));
    const hasher = new PageHasher();
    const scan = await scanStream(src, { ramPages: hasher.sink });
    const during = hasher.finish(scan.ram);
    const after = await hashRam(src, scan.ram);
    expect([...during.keys()]).toEqual([...after.keys()]);
    for (const [k, h] of after) {
      const d = during.get(k)!;
      expect(d.pages, k).toBe(h.pages);
      expect(Buffer.from(d.h1.buffer, d.h1.byteOffset, d.h1.byteLength).equals(Buffer.from(h.h1.buffer, h.h1.byteOffset, h.h1.byteLength)), k).toBe(true);
      expect(Buffer.from(d.state).equals(Buffer.from(h.state)), k).toBe(true);
    }
  });

  it('a change of any one byte changes the hash (seeded)', () => {
    const seed = 20261204;
    let x = seed;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
    const page = new Uint8Array(4096).map(() => rnd() & 0xff);
    const base = pageHash(page);
    for (let t = 0; t < 2000; t++) {
      const i = rnd() % 4096;
      const copy = page.slice();
      copy[i] ^= 1 + (rnd() % 255);
      expect(pageHash(copy), `seed ${seed}, trial ${t}, byte ${i}`).not.toEqual(base);
    }
  });
});
