// multifd channel recordings of a real QEMU 10.0 migration (scripts/make-fixtures-qemu10.mjs):
// the init record, then packets whose offsets, read beside the main channel's MEM_SIZE list, cover
// every page of every block once, and whose page bytes are the pattern QEMU loaded into the guest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { scanStream } from './scan.ts';
import { FIXTURE_DIR, gaps, roundTripMismatches } from './testing/fixtures.ts';

const PATTERN_AT = 0x100000;

describe.each(['qemu10', 'qemu11'])('%s multifd channel files', (dir) => {
const DIR = join(FIXTURE_DIR, dir);
const bytesOf = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const entry = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')).fixtures.find((f: { kind: string }) => f.kind === 'multifd-main');
const channels: { file: string; channelId: number }[] = entry.capture.multifdChannels;
const pattern = bytesOf('ram-pattern.bin');

async function scan(file: string) {
  const bytes = bytesOf(file);
  return { bytes, ...(await scanStream(memorySource(bytes))) };
}

  it.each(channels)('$file: init record with its channel id, then whole packets to the end', async ({ file, channelId }) => {
    const { bytes, model } = await scan(file);
    expect(model.variant).toBe('multifd-channel');
    expect(model.problems).toEqual([]);
    expect(model.complete).toBe(true);
    expect(gaps(model)).toEqual([]);
    expect(await roundTripMismatches(bytes, model)).toEqual([]);
    const init = model.records[0];
    expect(init.kind).toBe('multifd-init');
    expect(init.fields!.find((f) => f.name === 'id')!.value).toBe(channelId);
    // The first packet after init is a SYNC packet listing no pages (QEMU >= 9.0).
    const first = model.records[1].fields!;
    expect(first.find((f) => f.name === 'flags')!.value).toBe(1);
    expect(first.find((f) => f.name === 'pages_alloc')!.value).toBe(0);
  });

  it('together the channels send every page of every block the main channel announces, once', async () => {
    const main = await scanStream(memorySource(bytesOf(entry.file)));
    const announced = main.model.records.find((r) => r.ram?.blocks)!.ram!.blocks!;
    const seen = new Map<string, number[]>();
    for (const { file } of channels) {
      const { ram } = await scan(file);
      for (const b of ram.blocks.values()) {
        const pages = seen.get(b.name) ?? [];
        b.forEachRun((first, count) => { for (let i = 0; i < count; i++) pages.push(first + i); });
        seen.set(b.name, pages);
      }
    }
    expect([...seen.keys()].sort()).toEqual(announced.map((b) => b.name).sort());
    for (const b of announced) {
      const pages = seen.get(b.name)!.sort((x, y) => x - y);
      expect(pages, b.name).toEqual(Array.from({ length: b.length / 4096 }, (_, i) => i));
    }
  });

  it('the page bytes a packet lists at the pattern\'s guest address are the pattern', async () => {
    const found: number[] = [];
    for (const { file } of channels) {
      const { bytes, ram } = await scan(file);
      ram.blocks.get('pc.ram')!.forEachRun((first, count, kind, offset, stride) => {
        for (let i = 0; i < count; i++) {
          const page = first + i - PATTERN_AT / 4096;
          if (kind !== 1 || page < 0 || page >= pattern.length / 4096) continue;
          const at = offset + i * stride;
          expect(bytes.subarray(at, at + 4096)).toEqual(pattern.subarray(page * 4096, (page + 1) * 4096));
          found.push(page);
        }
      });
    }
    expect(found.sort()).toEqual([0, 1, 2, 3]);
  });

  it('a cut channel keeps every whole packet and names the offset where the cut one starts', async () => {
    const bytes = bytesOf(channels[0].file).subarray(0, 3000);
    const { model } = await scanStream(memorySource(bytes));
    const damaged = model.records.at(-1)!;
    expect(damaged).toMatchObject({ kind: 'damaged', offset: 2752 });
    expect(damaged.problems[0].code).toBe('truncated');
    expect(model.records.slice(0, -1).map((r) => r.offset)).toEqual([0, 64, 1408]);
  });
});
