// The combined page index of a real multifd migration against what a real destination QEMU held
// after receiving these very files (scripts/make-fixtures-qemu10.mjs --dest-ram: pc.ram from the
// destination's memory-backend-file, pc.bios by pmemsave, per-page SHA-256). Then the file checks
// (UUID, channel id, second main channel, unknown block) and the last-write order, on channels
// derived from the real ones.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { scanMultifdChannel } from './multifd.ts';
import { admitChannels, mainChannelUuid, mergeMultifd, mergedBlockInfo, multifdRole, NOT_SENT, summarizeChannel, type ChannelFile } from './multifd-merge.ts';
import type { StreamModel } from './model.ts';
import { PageKind } from './ram.ts';
import { scanStream } from './scan.ts';
import { FIXTURE_DIR, fixtureBytes } from './testing/fixtures.ts';

const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);

async function channel(name: string, bytes: Uint8Array, pageSize: number): Promise<ChannelFile & { bytes: Uint8Array; model: StreamModel }> {
  const { model } = await scanMultifdChannel(memorySource(bytes), { pageSize });
  return { name, summary: summarizeChannel(model), model, bytes };
}

/** The fixtures' main + channel files and what a real destination held after receiving them. */
function fixtureSet(dir: string, destJson: string) {
  const bytesOf = (f: string) => new Uint8Array(readFileSync(join(FIXTURE_DIR, dir, f)));
  const dest = JSON.parse(readFileSync(join(FIXTURE_DIR, dir, destJson), 'utf8'));
  const [mainName, ...channelNames] = dest.files as string[];
  async function open() {
    const main = await scanStream(memorySource(bytesOf(mainName)));
    const channels = await Promise.all(channelNames.map((n) => channel(n, bytesOf(n), main.model.pageSize)));
    return { main, channels };
  }
  return { bytesOf, dest, mainName, channelNames, open };
}

// pc-multifd: a stopped guest, every page sent once. multifd-dirty: scripts/guests/x86-dirty.S
// rewrote 16 pages while the VM migrated, so they were sent again, in other packets and channels.
describe.each([
  ['qemu10', 'pc-multifd-dest-ram.json'],
  ['qemu11', 'pc-multifd-dest-ram.json'],
  ['qemu10', 'multifd-dirty/pc-multifd-dirty-dest-ram.json'],
  ['qemu11', 'multifd-dirty/pc-multifd-dirty-dest-ram.json'],
])('%s %s', (dir, destJson) => {
  const { bytesOf, dest, mainName, channelNames, open } = fixtureSet(dir, destJson);

  it('each file is recognised by its first bytes', () => {
    expect(multifdRole(bytesOf(mainName))).toBe('main');
    for (const n of channelNames) expect(multifdRole(bytesOf(n))).toBe('channel');
    expect(multifdRole(bytesOf('ram-pattern.bin'))).toBe('other');
  });

  it('every page of pc.ram and pc.bios is what the real destination held', async () => {
    const { main, channels } = await open();
    const { admitted, refused } = admitChannels(main.model, [], channels);
    expect(refused).toEqual([]);
    const merged = mergeMultifd(main.model, main.ram, admitted);
    expect(merged.notes).toEqual([]);
    const zero = hash(new Uint8Array(dest.pageSize));
    for (const b of dest.blocks) {
      const m = merged.blocks.get(b.name)!;
      expect(m.source.length * dest.pageSize).toBe(b.length);
      for (let p = 0; p < m.source.length; p++) {
        const want = b.pages[p] ?? zero;
        let got = zero; // never sent: the destination's RAM stays as allocated (zero)
        if (m.source[p] !== NOT_SENT && m.kind[p] === PageKind.Data) {
          const bytes = channels[m.source[p] - 1].bytes;
          got = hash(bytes.subarray(m.at[p], m.at[p] + dest.pageSize));
        }
        if (got !== want) expect.fail(`${b.name} page ${p}: ${got}, destination ${want}`);
      }
    }
    // Every page of every block came in a packet (the source sends all of RAM in its first round).
    for (const m of merged.blocks.values()) expect(mergedBlockInfo(m).zero + mergedBlockInfo(m).pages).toBe(m.source.length);
  });

  it('the check can fail: where a page was sent more than once, an earlier write differs from what the destination kept', async () => {
    const { main, channels } = await open();
    const ps = main.model.pageSize;
    const writes = new Map<number, { packetNum: number; hash: string }[]>();
    for (const c of channels) {
      for (const p of c.summary.packets.filter((x) => x.block === 'pc.ram')) {
        for (let i = 0; i < p.normal; i++) {
          const list = writes.get(p.pages[i]) ?? [];
          list.push({ packetNum: p.packetNum, hash: hash(c.bytes.subarray(p.dataAt + i * ps, p.dataAt + (i + 1) * ps)) });
          writes.set(p.pages[i], list);
        }
      }
    }
    const pc = dest.blocks.find((b: { name: string }) => b.name === 'pc.ram');
    const stale = [...writes].filter(([page, w]) => w.length > 1 && w.sort((a, b) => a.packetNum - b.packetNum)[0].hash !== pc.pages[page]);
    if (destJson.startsWith('multifd-dirty/')) expect(stale.length).toBeGreaterThan(0);
    else expect([...writes.values()].every((w) => w.length === 1)).toBe(true);
  });
});

describe.each(['qemu10', 'qemu11'])('%s pc-multifd: which files belong, and the order', (dir) => {
  const { open, channelNames } = fixtureSet(dir, 'pc-multifd-dest-ram.json');

  it('refuses a second main channel, a channel id twice, another UUID and an unknown block, with the reason', async () => {
    const { main, channels } = await open();
    const ps = main.model.pageSize;
    const otherUuid = channels[0].bytes.slice();
    otherUuid[8] ^= 0xff;
    const renamed = channels[1].bytes.slice();
    // The first packet listing pages: its ramblock name "pc.ram" -> "pc.rom".
    const listing = channels[1].model.records.find((r) => r.kind === 'multifd-packet' && r.ram && r.ram.pages + r.ram.zero > 0)!;
    const nameAt = listing.fields!.find((f) => f.name === 'ramblock')!.offset;
    renamed.set(new TextEncoder().encode('pc.xyz\0'), nameAt);
    const candidates = [
      { name: 'again-main.bin', summary: summarizeChannel(main.model) },
      await channel('uuid.bin', otherUuid, ps),
      await channel('renamed.bin', renamed, ps),
      { name: 'twice.bin', summary: channels[0].summary },
    ];
    const { admitted, refused } = admitChannels(main.model, [channels[0]], candidates);
    expect(admitted).toEqual([]);
    expect(refused.map((r) => r.name)).toEqual(['again-main.bin', 'uuid.bin', 'renamed.bin', 'twice.bin']);
    expect(refused[0].reason).toMatch(/second main channel/);
    expect(refused[1].reason).toMatch(/another migration: its UUID ff/);
    expect(refused[2].reason).toMatch(/names RAM block "pc.xyz", which the main channel does not announce/);
    expect(refused[3].reason).toBe(`channel id 0 is already ${channelNames[0]}`);
  });

  it('a page listed again in a later packet (higher packet_num) is taken from there; an earlier one is not', async () => {
    const { main, channels } = await open();
    const ps = main.model.pageSize;
    const src = channels[1];
    const listing = src.model.records.find((r) => r.kind === 'multifd-packet' && r.ram && r.ram.pages > 0)!;
    const num = (n: string) => listing.fields!.find((f) => f.name === n)!;
    const packet = src.bytes.slice(listing.offset, listing.offset + listing.size);
    const pagesAt = num('pages').offset - listing.offset;
    packet.fill(0xee, pagesAt);
    // A channel 2 of the same migration: channel 0's init record with id 2, then the copied packet.
    const later = (packetNum: number) => {
      const b = new Uint8Array(64 + packet.length);
      b.set(channels[0].bytes.subarray(0, 64));
      b[24] = 2;
      const p = packet.slice();
      new DataView(p.buffer).setBigUint64(num('packet_num').offset - listing.offset, BigInt(packetNum));
      b.set(p, 64);
      return b;
    };
    const page = Number(num('offset').children![0].value) / ps;
    const rb = num('ramblock').value as Uint8Array;
    const block = new TextDecoder().decode(rb.subarray(0, rb.indexOf(0)));
    for (const [packetNum, wins] of [[1_000_000, true], [0, false]] as const) {
      const extra = await channel('channel2.bin', later(packetNum), ps);
      const { admitted, refused } = admitChannels(main.model, [], [...channels, extra]);
      expect(refused).toEqual([]);
      const m = mergeMultifd(main.model, main.ram, admitted).blocks.get(block)!;
      expect(m.rewritten).toBeGreaterThan(0);
      expect(m.source[page]).toBe(wins ? 3 : 2);
      if (wins) expect(extra.bytes[m.at[page]]).toBe(0xee);
      else expect(m.packetNum[page]).toBe(Number(num('packet_num').value));
    }
  });
});

describe('a main channel that sends its UUID (configuration/uuid, validate-uuid)', () => {
  // QEMU 7.2 with -uuid 6b1d3c2a-… and validate-uuid (public/fixtures/manifest.json).
  it('is read from the configuration section and channels of another UUID are refused against it', async () => {
    const main = await scanStream(memorySource(fixtureBytes('pc-config-migration.bin')));
    expect(mainChannelUuid(main.model)).toBe('6b1d3c2a9a5e4c1f8e2d0123456789ab');
    const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, 'qemu10/pc-multifd-channel0.bin')));
    const { refused } = admitChannels(main.model, [], [await channel('channel0.bin', bytes, main.model.pageSize)]);
    expect(refused).toEqual([{ name: 'channel0.bin', reason: expect.stringMatching(/^another migration: its UUID 0{32} is not 6b1d3c2a9a5e4c1f8e2d0123456789ab of the main channel/) }]);
  });

  it('is absent from a main channel without validate-uuid', async () => {
    const main = await scanStream(memorySource(new Uint8Array(readFileSync(join(FIXTURE_DIR, 'qemu10/pc-multifd-main.bin')))));
    expect(mainChannelUuid(main.model)).toBeNull();
  });
});

// qa10: QEMU without -uuid sends a zero UUID in every migration, so QEMU 11.1's channel 1 joined
// QEMU 10.0's main channel and channel 0 (ids 0 and 1, blocks alike) and gave a RAM image mixing
// two migrations (2560 pages of pc.ram "never sent") with exit 0.
describe('a channel of another migration with the same (zero) UUID', () => {
  it('is refused: its packet numbers are the other channels\' too', async () => {
    const q10 = fixtureSet('qemu10', 'pc-multifd-dest-ram.json');
    const { main, channels } = await q10.open();
    const foreign = await channel('qemu11-channel1.bin', new Uint8Array(readFileSync(join(FIXTURE_DIR, 'qemu11/pc-multifd-channel1.bin'))), main.model.pageSize);
    expect(foreign.summary.identity).toMatchObject({ channelId: 1, uuid: channels[0].summary.identity!.uuid });
    const { admitted, refused } = admitChannels(main.model, [], [channels[0], foreign]);
    expect(admitted.map((c) => c.name)).toEqual([channels[0].name]);
    expect(refused).toEqual([{ name: 'qemu11-channel1.bin', reason: expect.stringMatching(new RegExp(`^another migration: its packet at 0x[0-9a-f]+ is packet_num \\d+, as ${channels[0].name}'s at 0x[0-9a-f]+ is`)) }]);
    // Joined first (the page adds channels in steps), the same file is refused against it.
    expect(admitChannels(main.model, [channels[0]], [foreign]).refused.map((r) => r.name)).toEqual(['qemu11-channel1.bin']);
  });
});

