// The CLI's file source reads a small file synchronously and says so (`immediate`): the scanner
// then reads small slices without reading ahead; a large one it reads ahead through Node's thread
// pool (sliceSize). Real files must come out as they do from memory either way, whatever the
// slice size, and a RAM section of huge pages must not stall a small-slice reader.
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { RAM_FLAG } from '../format/ram.ts';
import { scanStream } from '../format/scan.ts';
import { FIXTURE_DIR, fixtureBytes } from '../format/testing/fixtures.ts';
import { fileSource, type FileSourceOptions } from './node-source.ts';

const SIZE = 32 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'node-source-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const strip = (m: object) => JSON.parse(JSON.stringify(m, (_, v) => (v instanceof Uint8Array ? [...v] : v)));

async function scanFile(path: string, sliceSize?: number, opts?: FileSourceOptions) {
  const src = await fileSource(path, opts);
  try {
    return (await scanStream(src, { sliceSize })).model;
  } finally {
    await src.close();
  }
}

describe('fileSource (synchronous reads, immediate)', () => {
  it.each(['pc-ram-migration.bin', 'q35-migration.bin', 'virt-devstate.bin', 'qemu10/pc-mapped-ram.bin'])('%s decodes as from memory, in its own slices and in 64 KiB ones', async (name) => {
    const fromMemory = strip((await scanStream(memorySource(fixtureBytes(name)))).model);
    expect(fromMemory.records.length).toBeGreaterThan(3);
    expect(strip(await scanFile(join(FIXTURE_DIR, name)))).toEqual(fromMemory);
    expect(strip(await scanFile(join(FIXTURE_DIR, name), 64 * 1024))).toEqual(fromMemory);
    // Through the thread pool (what a compressed image's decompression reads with), read ahead.
    expect(strip(await scanFile(join(FIXTURE_DIR, name), 64 * 1024, { threadPool: true }))).toEqual(fromMemory);
  });

  // The read-ahead is off by default (node-source.ts READ_AHEAD_FROM), so it is asked for here.
  it.each(['pc-ram-migration.bin', 'q35-migration.bin', 'qemu10/pc-mapped-ram.bin', 'qemu10/pc-postcopy-main.bin', 'qemu10/pc-multifd-channel0.bin'])('%s read ahead through the thread pool decodes as from memory, in 1 MiB and in 64 KiB slices', async (name) => {
    const fromMemory = strip((await scanStream(memorySource(fixtureBytes(name)))).model);
    expect(fromMemory.records.length).toBeGreaterThan(3);
    expect(strip(await scanFile(join(FIXTURE_DIR, name), undefined, { readAhead: true }))).toEqual(fromMemory);
    expect(strip(await scanFile(join(FIXTURE_DIR, name), 64 * 1024, { readAhead: true }))).toEqual(fromMemory);
  });

  it('reads ahead when asked, in its own slices, and reads the same bytes either way', async () => {
    const path = join(dir, 'sparse.bin');
    writeFileSync(path, new Uint8Array(0));
    truncateSync(path, SIZE);
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24);
    const fd = openSync(path, 'r+');
    writeSync(fd, bytes, 0, bytes.length, SIZE - bytes.length - 7);
    closeSync(fd);
    const ahead = await fileSource(path, { readAhead: true });
    const sync = await fileSource(path);
    expect([ahead.immediate, ahead.sliceSize]).toEqual([undefined, 1024 * 1024 + 64]);
    expect([sync.immediate, sync.sliceSize]).toEqual([true, 1024 * 1024 + 64]);
    // readInto at the file's end: fewer bytes than asked, in the target's memory.
    for (const src of [ahead, sync]) {
      const target = new Uint8Array(1 << 20);
      const got = await src.readInto!(SIZE - bytes.length - 7, target);
      expect(got.length).toBe(bytes.length + 7);
      expect(got.buffer).toBe(target.buffer);
      expect(got.subarray(0, bytes.length)).toEqual(bytes);
    }
    // close waits for a read still in flight.
    const pending = ahead.readInto!(0, new Uint8Array(4 << 20));
    await ahead.close();
    expect((await pending).length).toBe(4 << 20);
    await sync.close();
  });

  it('scans a RAM section of 512 KiB pages, each larger than a quarter slice, to its end', async () => {
    // One rule, so hand-made: QEVM, a ram section (MEM_SIZE, 3 data pages, 1 zero page, EOS), EOF.
    const ps = 512 * 1024;
    const be32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const be64 = (lo: number) => [0, 0, 0, 0, ...be32(lo)];
    const name = [1, 0x62];
    const page = (i: number) => [...be64(i * ps | RAM_FLAG.PAGE | (i ? RAM_FLAG.CONTINUE : 0)), ...(i ? [] : name), ...new Array<number>(ps).fill(i + 1)];
    const bytes = Uint8Array.from([
      0x51, 0x45, 0x56, 0x4d, ...be32(3),
      0x01, ...be32(1), 3, ...[...'ram'].map((c) => c.charCodeAt(0)), ...be32(0), ...be32(4),
      ...be64(4 * ps | RAM_FLAG.MEM_SIZE), ...name, ...be64(4 * ps),
      ...page(0), ...page(1), ...page(2), ...be64(3 * ps | RAM_FLAG.ZERO | RAM_FLAG.CONTINUE), 0,
      ...be64(RAM_FLAG.EOS),
      0x00,
    ]);
    const path = join(dir, 'huge-pages.bin');
    writeFileSync(path, bytes);
    const vmdesc = { page_size: ps, devices: [] };
    const src = await fileSource(path);
    const m = (await scanStream(src, { vmdesc })).model;
    await src.close();
    expect(m.problems).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.ramBlocks).toEqual([{ name: 'b', length: 4 * ps, zero: 1, pages: 3, xbzrle: 0, compressed: 0 }]);
    expect(strip(m)).toEqual(strip((await scanStream(memorySource(bytes), { vmdesc })).model));
  }, 20_000);
});
