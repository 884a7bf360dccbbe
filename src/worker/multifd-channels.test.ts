// The worker's multifd requests on the real QEMU 10.0 main channel and its two channel files:
// the RAM export and the page viewer give what a real destination held (pc-multifd-dest-ram.json,
// scripts/make-fixtures-qemu10.mjs --dest-ram), naming the file each page came from; files that
// do not belong are refused with the reason; an edit of the main channel keeps the channels.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const DIR = new URL('../../public/fixtures/qemu10/', import.meta.url);
const blob = (n: string) => new Blob([readFileSync(new URL(n, DIR))]);
const dest = JSON.parse(readFileSync(new URL('pc-multifd-dest-ram.json', DIR), 'utf8'));
const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
const ZERO = hash(new Uint8Array(4096));

async function openMain() {
  const s = new Session();
  const f = await ask(s, { type: 'open', file: blob('pc-multifd-main.bin'), name: 'pc-multifd-main.bin' });
  return { s, f };
}

const channelFiles = () => ['pc-multifd-channel0.bin', 'pc-multifd-channel1.bin'].map((name) => ({ file: blob(name), name }));

describe('multifd channels beside their main channel', () => {
  it.each([['pc-multifd-dest-ram.json'], ['multifd-dirty/pc-multifd-dirty-dest-ram.json']])('%s: the RAM export of every dumped block equals the real destination page by page', async (json) => {
    const oracle = JSON.parse(readFileSync(new URL(json, DIR), 'utf8'));
    const [main, ...channels] = oracle.files as string[];
    const s = new Session();
    const f = await ask(s, { type: 'open', file: blob(main), name: main });
    const info = await ask(s, { type: 'add-channels', generation: f.generation, files: channels.map((name) => ({ file: blob(name), name })) });
    expect(info.refused).toEqual([]);
    expect(info.channels.map((c) => [c.name, c.channelId, c.complete])).toEqual(channels.map((n, i) => [n, i, true]));
    const ram = info.blocks.find((b) => b.name === 'pc.ram')!;
    expect(ram.pages + ram.zero).toBe(8192);
    if (json.startsWith('multifd-dirty/')) expect(info.rewritten).toBeGreaterThan(0);
    for (const b of oracle.blocks) {
      const r = await ask(s, { type: 'ram-export', generation: f.generation, block: b.name });
      const bytes = new Uint8Array(await r.blob.arrayBuffer());
      expect(bytes.length).toBe(b.length);
      for (let p = 0; p < b.length / 4096; p++) {
        const got = hash(bytes.subarray(p * 4096, (p + 1) * 4096));
        if (got !== (b.pages[p] ?? ZERO)) expect.fail(`${b.name} page ${p}`);
      }
    }
  });

  // A plain stream's download is the same merge with no channels: QEMU 7.2 destinations of a
  // stopped guest and of one that rewrote 16 pages through 22 rounds (make-fixtures.mjs --dest-ram, --dirty).
  it.each(['pc-ram-migration-dest-ram.json', 'dirty72/pc-dirty-migration-dest-ram.json'])('QEMU 7.2 %s: the RAM export of a plain stream equals the real destination page by page', async (json) => {
    const at = new URL(`../${json}`, DIR);
    const oracle = JSON.parse(readFileSync(at, 'utf8'));
    const s = new Session();
    const f = await ask(s, { type: 'open', file: new Blob([readFileSync(new URL(oracle.files[0], at))]), name: oracle.files[0] });
    for (const b of oracle.blocks) {
      const bytes = new Uint8Array(await (await ask(s, { type: 'ram-export', generation: f.generation, block: b.name })).blob.arrayBuffer());
      expect(bytes.length).toBe(b.length);
      for (let p = 0; p < b.length / 4096; p++) if (hash(bytes.subarray(p * 4096, (p + 1) * 4096)) !== (b.pages[p] ?? ZERO)) expect.fail(`${b.name} page ${p}`);
    }
  });

  it('the page viewer names the channel file and offset of a page, and its bytes are the destination\'s', async () => {
    const { s, f } = await openMain();
    await ask(s, { type: 'add-channels', generation: f.generation, files: channelFiles() });
    const pc = dest.blocks.find((b: { name: string }) => b.name === 'pc.ram');
    for (const page of Object.keys(pc.pages).map(Number)) {
      const p = await ask(s, { type: 'ram-page', generation: f.generation, block: 'pc.ram', page });
      expect(p.kind).toBe('data');
      expect(p.source).toMatch(/^pc-multifd-channel[01]\.bin$/);
      expect(hash(p.bytes!)).toBe(pc.pages[page]);
      const file = new Uint8Array(readFileSync(new URL(p.source!, DIR)));
      expect(file.subarray(p.offset!, p.offset! + 4096)).toEqual(p.bytes);
    }
    const zero = await ask(s, { type: 'ram-page', generation: f.generation, block: 'pc.ram', page: 0 });
    expect(zero).toMatchObject({ kind: 'zero', offset: null });
    expect(zero.source).toMatch(/channel/);
    const rows = await ask(s, { type: 'multifd-records', channel: 1, start: 0, count: 3 });
    expect(rows.rows.map((r) => r.kind)).toEqual(['multifd-init', 'multifd-packet', 'multifd-packet']);
    expect(rows.rows[0].channelId).toBe(1);
  });

  it('refuses a second main channel, a file of another kind and a channel id twice, with the reason', async () => {
    const { s, f } = await openMain();
    await ask(s, { type: 'add-channels', generation: f.generation, files: channelFiles().slice(0, 1) });
    const info = await ask(s, { type: 'add-channels', generation: f.generation, files: [
      { file: blob('pc-multifd-main.bin'), name: 'again.bin' },
      { file: blob('ram-pattern.bin'), name: 'ram-pattern.bin' },
      { file: blob('pc-multifd-channel0.bin'), name: 'copy-of-0.bin' },
      channelFiles()[1],
    ] });
    expect(info.channels.map((c) => c.name)).toEqual(['pc-multifd-channel0.bin', 'pc-multifd-channel1.bin']);
    expect(info.refused).toEqual([
      { name: 'again.bin', reason: expect.stringMatching(/second main channel/) },
      { name: 'ram-pattern.bin', reason: expect.stringMatching(/not a multifd channel/) },
      { name: 'copy-of-0.bin', reason: 'channel id 0 is already pc-multifd-channel0.bin' },
    ]);
  });

  it('a file that is not a migration stream takes no channels', async () => {
    const s = new Session();
    const f = await ask(s, { type: 'open', file: blob('pc-devstate.bin'), name: 'pc-devstate.bin' });
    await expect(ask(s, { type: 'add-channels', generation: f.generation, files: channelFiles() })).rejects.toThrow(/not a migration stream announcing RAM blocks/);
  });
});

describe('the page viewer on a stream without channels', () => {
  // QEMU 7.2 loaded the RAM pattern at its guest address and SeaBIOS's bios-256k.bin as pc.bios
  // (public/fixtures/manifest.json): the pages the viewer finds in the stream's own records are those bytes.
  it('finds a page in its RAM record and gives the bytes QEMU loaded', async () => {
    const dir = new URL('../../public/fixtures/', import.meta.url);
    const entry = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')).fixtures.find((f: { file: string }) => f.file === 'pc-ram-migration.bin');
    const at = parseInt(entry.ramPattern.guestPhysAddr, 16);
    const pattern = new Uint8Array(readFileSync(new URL(entry.ramPattern.file, dir)));
    const s = new Session();
    const f = await ask(s, { type: 'open', file: new Blob([readFileSync(new URL('pc-ram-migration.bin', dir))]), name: 'pc-ram-migration.bin' });
    const p = await ask(s, { type: 'ram-page', generation: f.generation, block: 'pc.ram', page: at / 4096 });
    expect(p).toMatchObject({ kind: 'data', source: 'pc-ram-migration.bin' });
    expect(p.packetNum).toBeUndefined();
    expect(p.bytes).toEqual(pattern.subarray(0, 4096));
    expect(p.offset! - p.record!).toBeGreaterThanOrEqual(8); // the record's header comes first
    const firmware = new Uint8Array(readFileSync('/usr/share/seabios/bios-256k.bin'));
    const last = await ask(s, { type: 'ram-page', generation: f.generation, block: 'pc.bios', page: 63 });
    expect(last.bytes).toEqual(firmware.subarray(63 * 4096));
    await expect(ask(s, { type: 'ram-page', generation: f.generation, block: 'pc.ram', page: 1 << 30 })).rejects.toThrow(/has pages 0 to \d+; 1073741824 is not one of them/);
  });
});
