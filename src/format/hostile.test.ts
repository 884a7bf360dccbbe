// Hostile input (issue #5): truncations, seeded random damage and crafted files end in typed
// problems or a valid decode, never an exception, a hang or an allocation sized by a bad length.
import { describe, expect, it } from 'vitest';
import { encodeSectionHeader } from './encode.ts';
import { latin1Bytes } from './cursor.ts';
import { formatProblem } from './errors.ts';
import { checkHostile, mutate } from './testing/hostile.ts';
import { fixtureBytes, fixtureDescription, prng, scanBytes } from './testing/fixtures.ts';
import type { Vmdesc } from './vmdesc.ts';

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const QEVM = [0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3];
const bytesOf = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('truncation', () => {
  it('at every offset of the first 6 KiB of a device-state file keeps everything before the cut', async () => {
    const full = fixtureBytes('pc-devstate.bin');
    const vmdesc = await fixtureDescription('pc-migration.bin');
    const whole = await scanBytes(full, { vmdesc });
    for (let cut = 0; cut < 6144; cut++) {
      const { model, failure } = await checkHostile(full.subarray(0, cut), { vmdesc });
      expect(failure, `cut at ${cut}`).toBeNull();
      if (cut > 8) expect(model!.problems.some((p) => p.severity === 'error'), `cut at ${cut} reports an error`).toBe(true);
      // Every section that ends before the cut decodes as it did in the whole file.
      const before = whole.records.filter((r) => r.offset + r.size <= cut);
      expect(model!.records.slice(0, before.length).map((r) => r.size), `cut at ${cut}`).toEqual(before.map((r) => r.size));
    }
  });

  it('at 300 seeded offsets of a migration stream', async () => {
    const full = fixtureBytes('pc-ram-migration.bin');
    const rnd = prng(7);
    for (let i = 0; i < 300; i++) {
      const cut = Math.floor(rnd() * full.length);
      const { failure } = await checkHostile(full.subarray(0, cut));
      expect(failure, `cut at ${cut}`).toBeNull();
    }
  });
});

describe('seeded random damage', () => {
  it.each([
    ['pc-migration.bin', 101],
    ['pc-xen-devstate.bin', 202],
    ['q35-colo.bin', 303],
    ['virt-migration.bin', 404],
  ])('%s, seed %i: 150 flips, insertions, deletions and truncations', async (file, seed) => {
    const src = fixtureBytes(file);
    const rnd = prng(seed);
    const history: string[] = [];
    for (let i = 0; i < 150; i++) {
      const { bytes, mutation } = mutate(src, rnd);
      history.push(JSON.stringify(mutation));
      const started = Date.now();
      const { failure } = await checkHostile(bytes);
      expect(failure, `after ${history.join('\n')}`).toBeNull();
      expect(Date.now() - started, `time for ${history.at(-1)}`).toBeLessThan(20_000);
    }
  });
});

describe('crafted files', () => {
  it('a device named like HTML and non-UTF-8 bytes keeps its exact bytes as text', async () => {
    const name = '<img src=x onerror=alert(1)>\xff\xfe';
    const file = bytesOf(QEVM, encodeSectionHeader(4, 1, name, 0, 1), [1, 2, 3], [0x7e, ...be32(1)], [0]);
    const { model, failure } = await checkHostile(file);
    expect(failure).toBeNull();
    expect(model!.records[1].idstr).toBe(name);
    expect(latin1Bytes(model!.records[1].idstr!)).toEqual(latin1Bytes(name));
  });

  it('a corrupt idstr length: the NULs, newlines and bytes above 0x7f it takes in are escaped, one line per problem', async () => {
    const file = fixtureBytes('pc-devstate.bin').slice();
    expect(String.fromCharCode(...file.subarray(14, 19))).toBe('timer');
    file[13] = 200; // the first section's idstr now runs 200 bytes into its data and the next header
    file[20] = 0x0a;
    file[21] = 0xff;
    const { model, failure } = await checkHostile(file);
    expect(failure).toBeNull();
    const lines = model!.problems.map(formatProblem);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^(error|warning) at 0x[0-9a-f]+ \(\d+\): [\x20-\x7e]+$/);
    expect(lines.find((l) => l.includes('[timer'))).toContain('[timer\\x00\\x0a\\xff');
  });

  it('a vmdesc length of 2^32-1 and a JSON that claims 4 GiB are reported, not allocated', async () => {
    const base = bytesOf(QEVM, encodeSectionHeader(4, 0, 'timer', 0, 2), new Uint8Array(8), [0x7e, 0, 0, 0, 0], [0]);
    for (const len of [0xffffffff, 0x1_0000_0000 - 8]) {
      const file = bytesOf(base, [6, ...be32(len)], latin1Bytes('{"page_size": 4096, "devices": []}'));
      const { model, failure } = await checkHostile(file);
      expect(failure).toBeNull();
      expect(model!.problems.map((p) => p.code)).toContain('truncated');
    }
  });

  it('a description nested 10,000 levels deep hits the depth limit', async () => {
    let struct: Record<string, unknown> = { vmsd_name: 'leaf', version: 1, fields: [{ name: 'x', type: 'uint8', size: 1 }] };
    for (let i = 0; i < 10_000; i++) struct = { vmsd_name: `s${i}`, version: 1, fields: [{ name: 'f', type: 'struct', struct, size: 1 }] };
    const vmdesc = { page_size: 4096, devices: [{ name: 'dev', instance_id: 0, vmsd_name: 'dev', version: 1, fields: (struct as { fields: unknown[] }).fields }] } as Vmdesc;
    const file = bytesOf(QEVM, encodeSectionHeader(4, 0, 'dev', 0, 1), [9], [0x7e, 0, 0, 0, 0], [0]);
    const { model, failure } = await checkHostile(file, { vmdesc });
    expect(failure).toBeNull();
    expect(model!.problems.some((p) => /nested at most 64/.test(p.message))).toBe(true);
    expect(model!.records[1].size).toBe(file.length - 9);
  });

  it('an array_len of 2^32-1 in a description hits the node budget', async () => {
    const vmdesc = { page_size: 4096, devices: [{ name: 'dev', instance_id: 0, vmsd_name: 'dev', version: 1, fields: [{ name: 'a', array_len: 0xffffffff, type: 'struct', struct: { vmsd_name: 'e', version: 1, fields: [] }, size: 0 }] }] } as unknown as Vmdesc;
    const file = bytesOf(QEVM, encodeSectionHeader(4, 0, 'dev', 0, 1), [0x7e, 0, 0, 0, 0], [0]);
    const { model, failure } = await checkHostile(file, { vmdesc });
    expect(failure).toBeNull();
    expect(model!.problems.some((p) => p.code === 'description-mismatch' && /2,000,000/.test(p.message))).toBe(true);
  });

  // Linear, not a wall-clock limit (a timed test fails on a loaded machine): the CPU time of
  // 100,000 sections against 20,000 is ~5x when the decode is linear and ~25x when it is quadratic.
  it('100,000 sections decode in time linear in their number', async () => {
    const sections = (n: number) => {
      const parts: number[] = [...QEVM];
      for (let i = 0; i < n; i++) parts.push(...encodeSectionHeader(4, i, 'dev', i, 1), i & 255, 0x7e, ...be32(i));
      parts.push(0);
      return Uint8Array.from(parts);
    };
    const cpuMs = async (file: Uint8Array, records: number) => {
      const started = process.cpuUsage();
      const { model, failure } = await checkHostile(file);
      const spent = process.cpuUsage(started);
      expect(failure).toBeNull();
      expect(model!.records.length).toBe(records);
      return (spent.user + spent.system) / 1000;
    };
    const small = sections(20_000);
    await cpuMs(small, 20_002); // warms the JIT, so the measured small run is not the slower one
    const smallMs = await cpuMs(small, 20_002);
    const largeMs = await cpuMs(sections(100_000), 100_002);
    expect(largeMs / smallMs).toBeLessThan(12);
  }, 180_000);

  it('a PACKAGED command claiming more bytes than the file has', async () => {
    const file = bytesOf(QEVM, [8, 0, 7, 0, 4, ...be32(0xfffffff0)], encodeSectionHeader(4, 0, 'dev', 0, 1), [0x7e, 0, 0, 0, 0], [0]);
    const { model, failure } = await checkHostile(file);
    expect(failure).toBeNull();
    expect(model!.problems.some((p) => p.code === 'bad-command' && /package of at most/.test(p.message))).toBe(true);
  });

  it('RAM records with absurd lengths are refused with the offset', async () => {
    // START ram: MEM_SIZE 4 KiB total, block "b" of 4 KiB, EOS; END: compressed page of 2^32-1 bytes.
    const memSize = [0, 0, 0, 0, 0, 0, 0x10, 0x04];
    const start = bytesOf(encodeSectionHeader(1, 2, 'ram', 0, 4), memSize, [1, 0x62], [0, 0, 0, 0, 0, 0, 0x10, 0], [0, 0, 0, 0, 0, 0, 0, 0x10], [0x7e, ...be32(2)]);
    const end = bytesOf([3, ...be32(2)], [0, 0, 0, 0, 0, 0, 0, 0x00 | 0x00, 0x00], [1, 0x62], be32(0xffffffff));
    end[12] = 0x01; // flags 0x100 (COMPRESS_PAGE) in the low bits of the be64
    const { model, failure } = await checkHostile(bytesOf(QEVM, start, end));
    expect(failure).toBeNull();
    expect(model!.problems.some((p) => p.code === 'bad-ram')).toBe(true);
  });

  it('empty, tiny and non-QEMU files get a clear error', async () => {
    for (const file of [new Uint8Array(0), Uint8Array.of(0x51), latin1Bytes('%PDF-1.7 not a vm state'), Uint8Array.from([...QEVM.slice(0, 7), 2])]) {
      const { model, failure } = await checkHostile(file);
      expect(failure).toBeNull();
      expect(model!.problems.some((p) => p.severity === 'error')).toBe(true);
    }
  });
});
