// `ram FILE [CHANNEL...] -o DIR` against what real destination QEMUs held after receiving the same
// files: per-page hashes of their RAM (pc.ram from a memory-backend-file, pc.bios and pc.rom by
// pmemsave; scripts/make-fixtures.mjs --dest-ram for QEMU 7.2 streams, make-fixtures-qemu10.mjs
// --dest-ram for the 10.0/11.1 multifd migrations). Then the refusals, on files cut or altered
// from the real fixtures, and the output rules (DIR only on success, never overwritten, sparse).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { scanMultifdChannel } from '../format/multifd.ts';
import { PageKind } from '../format/ram.ts';
import { dataStarts } from '../format/ram-image.ts';
import { scanStream } from '../format/scan.ts';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { main } from './main.ts';
import { blockFileName } from './ram-command.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vmstate-ram-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fx = (f: string) => join(FIXTURE_DIR, f);
const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
let outs = 0;
const newDir = () => join(tmp, `out${outs++}`);

async function ram(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['ram', ...args], (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}

interface Manifest {
  pageSize: number;
  blocks: { name: string; file: string; length: number; pageSize: number; pagesWritten: number; zeroPages: number; pagesNeverSent: number }[];
  warnings: string[];
}
const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

interface DestRam {
  files: string[];
  pageSize: number;
  blocks: { name: string; length: number; pages: Record<string, string> }[];
}

describe.each([
  // QEMU 7.2 precopy streams, stopped guests: RAM the loader filled, and firmware that ran (pc, q35).
  ['', 'pc-ram-migration-dest-ram.json'],
  ['', 'pc-regs-migration-dest-ram.json'],
  ['', 'q35-regs-migration-dest-ram.json'],
  // A running guest rewriting 16 pages as it migrated: sent again in later rounds of the stream.
  ['dirty72', 'pc-dirty-migration-dest-ram.json'],
  // QEMU 10.0/11.1 multifd: main channel + two channel files; multifd-dirty's guest rewrote 16
  // pages while it migrated, so they were sent again in later packets and other channels.
  ['qemu10', 'pc-multifd-dest-ram.json'],
  ['qemu11', 'pc-multifd-dest-ram.json'],
  ['qemu10', 'multifd-dirty/pc-multifd-dirty-dest-ram.json'],
  ['qemu11', 'multifd-dirty/pc-multifd-dirty-dest-ram.json'],
])('%s %s', { timeout: 60_000 }, (dir, destJson) => {
  const dest: DestRam = JSON.parse(readFileSync(fx(join(dir, destJson)), 'utf8'));
  const inputs = dest.files.map((f) => fx(join(dir, f)));

  it('every page of every block the destination was read for equals the written image', async () => {
    const out = newDir();
    const r = await ram(...inputs, '-o', out);
    expect(r.stderr).not.toMatch(/warning/);
    expect(r.code).toBe(0);
    const m = manifestOf(out);
    expect(m.pageSize).toBe(dest.pageSize);
    const zero = hash(new Uint8Array(dest.pageSize));
    for (const want of dest.blocks) {
      const b = m.blocks.find((x) => x.name === want.name)!;
      expect(b.length).toBe(want.length);
      const bytes = new Uint8Array(readFileSync(join(out, b.file)));
      expect(bytes.length).toBe(want.length);
      for (let p = 0; p * dest.pageSize < bytes.length; p++) {
        const got = hash(bytes.subarray(p * dest.pageSize, (p + 1) * dest.pageSize));
        if (got !== (want.pages[p] ?? zero)) expect.fail(`${want.name} page ${p}: ${got}, destination ${want.pages[p] ?? zero}`);
      }
    }
    // One line per block on stderr, and every block has its file with its announced length.
    for (const b of m.blocks) {
      expect(statSync(join(out, b.file)).size).toBe(b.length);
      expect(r.stderr).toContain(`${b.name}: ${b.pagesWritten} page(s) written, ${b.zeroPages} zero page(s), ${b.pagesNeverSent} page(s) never sent`);
    }
    // Zero pages are holes: pc.ram (32 or 16 MiB, a few data pages) takes a few KiB of disk.
    const pc = m.blocks.find((b) => b.name === 'pc.ram')!;
    expect(statSync(join(out, pc.file)).blocks * 512).toBeLessThan(pc.length / 16);
  });
});

describe('dirty72: the check can fail', () => {
  it('a page the stream sent more than once has an earlier write that differs from what the destination kept', async () => {
    const bytes = new Uint8Array(readFileSync(fx('dirty72/pc-dirty-migration.bin')));
    const { ram: index } = await scanStream(memorySource(bytes));
    const records: number[] = [];
    const pages: number[] = [];
    index.blocks.get('pc.ram')!.forEachRun((first, count, kind, offset, stride) => {
      for (let i = 0; i < count && kind === PageKind.Data; i++) (records.push(offset + i * stride), pages.push(first + i));
    });
    const starts = await dataStarts(memorySource(bytes), Float64Array.from(records));
    const dest: DestRam = JSON.parse(readFileSync(fx('dirty72/pc-dirty-migration-dest-ram.json'), 'utf8'));
    const kept = dest.blocks.find((b) => b.name === 'pc.ram')!.pages;
    const writes = pages.map((p, i) => ({ p, h: hash(bytes.subarray(starts[i], starts[i] + 4096)) }));
    const sentTwice = new Set(pages.filter((p, i) => pages.indexOf(p) !== i));
    expect(sentTwice.size).toBeGreaterThan(0);
    expect(writes.some((w) => sentTwice.has(w.p) && w.h !== kept[w.p])).toBe(true);
  });
});

// The postcopy and mapped-ram fixtures have no destination of their own recorded; their VMs are
// the multifd one's, stopped before it ran (-S: RAM holds what the loader and firmware put
// there), with the same command line (postcopy) or -m 8 for -m 32 (mapped-ram), so its
// destination's pc.bios, and pc.ram's first 8 MiB, are what theirs would hold.
describe.each(['qemu10', 'qemu11'])('%s postcopy and mapped-ram against the multifd destination of the same VM', { timeout: 60_000 }, (dir) => {
  const dest: DestRam = JSON.parse(readFileSync(fx(`${dir}/pc-multifd-dest-ram.json`), 'utf8'));
  it.each(['pc-postcopy-main.bin', 'pc-mapped-ram.bin'])('%s', async (file) => {
    const out = newDir();
    const r = await ram(fx(`${dir}/${file}`), '--block', 'pc.ram', '--block', 'pc.bios', '-o', out);
    expect(r.code).toBe(0);
    const zero = hash(new Uint8Array(4096));
    for (const b of manifestOf(out).blocks) {
      const want = dest.blocks.find((x) => x.name === b.name)!;
      const bytes = readFileSync(join(out, b.file));
      expect(bytes.length).toBe(b.name === 'pc.ram' && file === 'pc-mapped-ram.bin' ? 8 << 20 : want.length);
      for (let p = 0; p * 4096 < bytes.length; p++) {
        if (hash(bytes.subarray(p * 4096, (p + 1) * 4096)) !== (want.pages[p] ?? zero)) expect.fail(`${b.name} page ${p}`);
      }
    }
  });
});

describe('ram through the container layer', { timeout: 60_000 }, () => {
  /** name -> sha256 of each block file, and the manifest's blocks. */
  const image = (out: string) => Object.fromEntries(manifestOf(out).blocks.map((b) => [b.name, hash(readFileSync(join(out, b.file)))]));

  it('a libvirt save image (raw and gzip) gives the images of the QEMU stream inside it', async () => {
    const stream = join(tmp, 'raw-stream.bin');
    expect(await main(['extract', fx('libvirt/raw.sav'), '-o', stream], () => {}, () => {})).toBe(0);
    const [a, b, c] = [newDir(), newDir(), newDir()];
    expect((await ram(stream, '-o', a)).code).toBe(0);
    expect((await ram(fx('libvirt/raw.sav'), '-o', b)).code).toBe(0);
    expect((await ram(fx('libvirt/gzip.sav'), '-o', c)).code).toBe(0);
    expect(Object.keys(image(a))).toContain('pc.ram');
    expect(image(b)).toEqual(image(a));
    expect(Object.keys(image(c))).toEqual(Object.keys(image(a)));
  });

  it('a qcow2 snapshot (IMAGE@NAME) gives the images of the stream QEMU migrated after -loadvm', async () => {
    const img = join(tmp, 'pc-v3.qcow2');
    writeFileSync(img, gunzipSync(readFileSync(fx('qcow2/pc-v3.qcow2.gz'))));
    const stream = join(tmp, 'before.stream');
    writeFileSync(stream, gunzipSync(readFileSync(fx('qcow2/pc-v3.qcow2.before.stream.gz'))));
    const [a, b] = [newDir(), newDir()];
    expect((await ram(`${img}@before`, '-o', a)).code).toBe(0);
    expect((await ram(stream, '-o', b)).code).toBe(0);
    expect(image(a)).toEqual(image(b));
  });
});

describe('ram refuses, in one line each, and writes nothing', { timeout: 60_000 }, () => {
  const set = (d: string) => ({
    main: fx(`${d}/pc-multifd-main.bin`),
    ch0: fx(`${d}/pc-multifd-channel0.bin`),
    ch1: fx(`${d}/pc-multifd-channel1.bin`),
  });
  const { main: mainCh, ch0, ch1 } = set('qemu10');
  const altered = (name: string, bytes: Uint8Array) => {
    const f = join(tmp, name);
    writeFileSync(f, bytes);
    return f;
  };
  /** Exit 1, the reason on stderr, and neither DIR nor a partial directory beside it. */
  async function refused(args: string[], reason: RegExp, code = 1) {
    const out = newDir();
    const r = await ram(...args, '-o', out);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(reason);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('.partial-'))).toEqual([]);
    return r;
  }

  it('a second main channel', () => refused([mainCh, ch0, fx('qemu11/pc-multifd-main.bin'), ch1], /pc-multifd-main.bin: not a channel of .*: a second main channel/));
  it('a file that is not a channel', () => refused([mainCh, ch0, ch1, fx('qemu10/ram-pattern.bin')], /ram-pattern.bin: .*neither a main channel \(QEVM header\) nor a multifd channel/));
  it("another migration's channel (UUID)", async () => {
    const b = new Uint8Array(readFileSync(ch1));
    b[8] ^= 0xff;
    await refused([mainCh, ch0, altered('uuid.bin', b)], /uuid.bin: .*another migration: its UUID ff/);
  });
  it('a channel id twice', async () => {
    const again = join(tmp, 'again.bin');
    copyFileSync(ch0, again);
    await refused([mainCh, ch0, ch1, again], /again.bin: .*channel id 0 is already .*pc-multifd-channel0.bin/);
  });
  it('a block the main channel does not announce', async () => {
    const b = new Uint8Array(readFileSync(ch1));
    const { model } = await scanMultifdChannel(memorySource(b), { pageSize: 4096 });
    const listing = model.records.find((r) => r.kind === 'multifd-packet' && r.ram && r.ram.pages > 0)!;
    b.set(new TextEncoder().encode('pc.xyz\0'), listing.fields!.find((f) => f.name === 'ramblock')!.offset);
    await refused([mainCh, ch0, altered('renamed.bin', b)], /renamed.bin: .*names RAM block "pc.xyz", which the main channel does not announce/);
  });
  it('a channel file named first (usage: exit 2)', () => refused([ch0, mainCh], /pc-multifd-channel0.bin is a multifd channel file: .*name the main channel .* first/, 2));
  it('a damaged main channel: its first error with the offset', async () => {
    const b = readFileSync(fx('pc-ram-migration.bin'));
    const r = await refused([altered('cut.bin', b.subarray(0, 100_000))], /^vmstate-explorer: .*cut.bin: .*(offset|at) /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('a damaged channel', async () => {
    const b = readFileSync(ch1);
    await refused([mainCh, ch0, altered('cut-channel.bin', b.subarray(0, b.length - 100))], /cut-channel.bin: /);
  });
  it('a file without guest RAM', () => refused([fx('pc-devstate.bin')], /carries no guest RAM/));
  it('an unknown --block', () => refused([fx('pc-ram-migration.bin'), '--block', 'pc.nope'], /no RAM block "pc.nope"; its blocks: "pc.ram", /));
  it('an unknown option, or no -o (usage: exit 2)', async () => {
    expect((await ram(fx('pc-ram-migration.bin'), '--json', '-o', newDir())).code).toBe(2);
    expect((await ram(fx('pc-ram-migration.bin'))).stderr).toMatch(/ram needs -o DIR/);
  });
  it('an existing DIR, even an empty one', async () => {
    const out = newDir();
    expect((await ram(fx('pc-ram-migration.bin'), '-o', out)).code).toBe(0);
    const before = readdirSync(out);
    const r = await ram(fx('pc-regs-migration.bin'), '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists: the output is never overwritten/);
    expect(readdirSync(out)).toEqual(before);
  });
});

describe('ram writes', { timeout: 60_000 }, () => {
  it('--block: that block and the manifest only', async () => {
    const out = join(tmp, 'only');
    const r = await ram(fx('pc-ram-migration.bin'), '--block', 'pc.bios', '--block', '/rom@etc/acpi/rsdp', '-o', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['%2From@etc%2Facpi%2Frsdp.bin', 'manifest.json', 'pc.bios.bin']);
  });

  it('compressed channel pages as zeros, with a warning, exit 0', async () => {
    const d = 'qemu10';
    const b = new Uint8Array(readFileSync(fx(`${d}/pc-multifd-channel1.bin`)));
    const { model } = await scanMultifdChannel(memorySource(b), { pageSize: 4096 });
    const listing = model.records.find((r) => r.kind === 'multifd-packet' && r.ram && r.ram.pages > 0)!;
    b[listing.offset + 11] |= 1 << 1; // flags: MULTIFD_FLAG_ZLIB; next_packet_size keeps the framing
    const ch1 = join(tmp, 'zlib-channel1.bin');
    writeFileSync(ch1, b);
    const out = join(tmp, 'zlib');
    const r = await ram(fx(`${d}/pc-multifd-main.bin`), fx(`${d}/pc-multifd-channel0.bin`), ch1, '-o', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: \\S+: ${listing.ram!.pages} XBZRLE or compressed page\\(s\\) are not decoded and are left as zeros`));
    expect(manifestOf(out).warnings).toHaveLength(1);
    // The packet's pages are zeros in the image, not the packet's (compressed) bytes.
    const rb = listing.fields!.find((f) => f.name === 'ramblock')!.value as Uint8Array;
    const block = manifestOf(out).blocks.find((x) => x.name === new TextDecoder().decode(rb.subarray(0, rb.indexOf(0))))!;
    const bytes = readFileSync(join(out, block.file));
    for (const o of listing.fields!.find((f) => f.name === 'offset')!.children!.slice(0, listing.ram!.pages)) {
      expect(bytes.subarray(Number(o.value), Number(o.value) + 4096).every((x) => x === 0)).toBe(true);
    }
  });

  // qa10: a multifd main channel named without its channels wrote all-zero RAM images, exit 0,
  // with nothing but "N page(s) never sent" per block to say that the channels were missing.
  it.each(['qemu10', 'qemu11'])('%s multifd main channel alone: a warning naming the missing channel files, exit 0', async (d) => {
    const out = newDir();
    const r = await ram(fx(`${d}/pc-multifd-main.bin`), '-o', out);
    expect(r.code).toBe(0);
    const w = `${fx(`${d}/pc-multifd-main.bin`)} carries no page data of its own and leaves ${manifestOf(out).blocks.reduce((n, b) => n + b.pagesNeverSent, 0)} page(s) never sent: a multifd migration's main channel sends its pages on its channel files; name them after it`;
    expect(r.stderr).toMatch(new RegExp(`^warning: ${w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n`));
    expect(manifestOf(out).warnings).toEqual([w]);
  });

  it('block names become file names that are no paths, not hidden, and not each other', () => {
    expect(blockFileName('/rom@etc/acpi/tables', 0)).toBe('%2From@etc%2Facpi%2Ftables.bin');
    expect(blockFileName('0000:00:02.0/vga.vram', 0)).toBe('0000%3A00%3A02.0%2Fvga.vram.bin');
    expect(blockFileName('..', 0)).toBe('%2E..bin');
    expect(blockFileName('a%2F', 0)).not.toBe(blockFileName('a/', 0));
    expect(blockFileName('x'.repeat(255), 3)).toMatch(/^x{200}~3\.bin$/);
  });
});
