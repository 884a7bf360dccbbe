// Streams from QEMU 10.0 (Debian trixie) and 11.1 (Debian forky), made by scripts/make-fixtures-qemu10.mjs: the vmdesc
// `configuration` member, nullptr runs, index-less last elements, SWITCHOVER_START, MULTIFD_FLUSH
// and the mapped-ram file layout all decode (format.md §10).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, gaps, roundTripMismatches, scanBytes } from './testing/fixtures.ts';
import { fixtureDescription } from './testing/fixtures.ts';
import { walkFields } from './edit/find.ts';
import { memorySource } from './byte-source.ts';
import { scanStream } from './scan.ts';

const DIR = join(FIXTURE_DIR, 'qemu10');
type Fixture = {
  file: string; kind: string; describedBy?: string; args?: string[];
  layout: { records: LayoutRecord[]; sections: [number, string, number, number, number][]; eofOffset: number };
  features10?: { multifdFlush?: number[]; switchoverStart?: { offset: number; bytes: string }[] };
};
/** QEMU 10.0 (Debian trixie) and 11.1 (Debian forky) fixtures, made by the same script. */
const SETS = ['qemu10', 'qemu11'].map((dir) => ({ dir, fixtures: JSON.parse(readFileSync(join(FIXTURE_DIR, dir, 'manifest.json'), 'utf8')).fixtures as Fixture[] }));
const ALL = SETS.flatMap((s) => s.fixtures.map((f) => ({ ...f, dir: s.dir })));
interface LayoutRecord { type: string; offset: number; name?: string; idstr?: string }
const manifest10: { fixtures: Fixture[]; ramPattern: { file: string; size: number; seed: string } } = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const fixtures = manifest10.fixtures;

const bytesOf = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

describe.each(ALL)('$dir $file', (fx) => {
  it('decodes with no error, every byte accounted for, and round-trips', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, fx.dir, fx.file)));
    const vmdesc = fx.describedBy && fx.describedBy !== fx.file ? await fixtureDescription(join(fx.dir, fx.describedBy)) : undefined;
    const m = await scanBytes(bytes, { vmdesc });
    expect(gaps(m)).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    for (const r of m.records.filter((x) => x.kind === 'section')) expect(r.exact, `${r.idstr}`).toBe(true);
    expect(await roundTripMismatches(bytes, m)).toEqual([]);
  });
});

describe('QEMU 10.0 features', () => {
  it('SWITCHOVER_START right before the RAM END, where the script\'s walker found it', async () => {
    const [sw] = fixtures.find((f) => f.file === 'q35-migration.bin')!.features10!.switchoverStart!;
    const m = await scanBytes(bytesOf('q35-migration.bin'));
    const i = m.records.findIndex((r) => r.command?.name === 'SWITCHOVER_START');
    expect(m.records[i]).toMatchObject({ offset: sw.offset, size: sw.bytes.length / 2 });
    expect(m.records[i + 1]).toMatchObject({ sectionType: 'end', idstr: 'ram' });
  });

  it('s390x css: nullptr runs split around a real element are one array', async () => {
    const m = await scanBytes(bytesOf('s390x-migration.bin'));
    const css = m.records.find((r) => r.idstr === 's390_css')!;
    const arr = [...walkFields(css.fields)].find((n) => n.kind === 'array' && n.children!.length === 256)!;
    expect(arr.children!.filter((c) => c.type === 'nullptr').length).toBe(255);
    expect(arr.children![254].kind).toBe('struct');
  });

  it('uncompressible struct arrays whose last element has no index stay one array', async () => {
    const m = await scanBytes(bytesOf('pc-migration.bin'));
    const ide = m.records.find((r) => r.idstr?.endsWith('/ide'))!;
    expect(ide.fields!.find((f) => f.name === 'bmdma')).toMatchObject({ kind: 'array', children: [{ name: '[0]' }, { name: '[1]' }] });
  });

  it('mapped-ram: the pages the bitmap lists are exactly the pattern QEMU loaded, byte for byte', async () => {
    // The oracle: the pattern regenerated from its seed (as the fixture script made it) and the
    // guest address from the loader argument QEMU ran with; not the fixture's bytes at a known offset.
    const { ramPattern } = manifest10;
    const pattern = seededBytes(ramPattern.seed.replace(/ \(SHA-256 counter mode\)$/, ''), ramPattern.size);
    expect(pattern.equals(bytesOf(ramPattern.file)), `${ramPattern.file} is the seeded pattern`).toBe(true);
    const entry = fixtures.find((f) => f.file === 'pc-mapped-ram.bin')!;
    const addr = Number(/loader,file=[^,]*ram-pattern\.bin,addr=(0x[0-9a-f]+)/.exec(entry.args!.join(' '))![1]);
    const bytes = bytesOf('pc-mapped-ram.bin');
    const { model, ram } = await scanStream(memorySource(bytes));
    expect(model.ramBlocks.find((b) => b.name === 'pc.ram')).toMatchObject({ pages: pattern.length / 4096, zero: 0 });
    const pages: [number, number][] = [];
    ram.blocks.get('pc.ram')!.forEachRun((first, count, _kind, offset, stride) => {
      for (let i = 0; i < count; i++) pages.push([first + i, offset + i * stride]);
    });
    // The guest never ran: the loader wrote these pages and nothing else.
    expect(pages.map(([p]) => p * 4096)).toEqual(Array.from({ length: pattern.length / 4096 }, (_, i) => addr + i * 4096));
    for (const [i, [, at]] of pages.entries()) {
      expect(Buffer.from(bytes.subarray(at, at + 4096)).equals(pattern.subarray(i * 4096, (i + 1) * 4096)), `page ${i}`).toBe(true);
    }
  });

  it('multifd main channel: MULTIFD_FLUSH records where the script\'s walker found them, and no pages', async () => {
    const entry = fixtures.find((f) => f.file === 'pc-multifd-main.bin')!;
    const expected = entry.features10!.multifdFlush!;
    expect(expected.length).toBeGreaterThan(0);
    const { model, ram } = await scanStream(memorySource(bytesOf('pc-multifd-main.bin')));
    expect(ram.multifdFlushes).toEqual(expected);
    expect(model.ramBlocks.reduce((s, b) => s + b.pages + b.zero, 0)).toBe(0);
  });

  it.each(ALL.filter((f) => f.kind === 'postcopy-main'))('$dir postcopy main channel: the package ends at POSTCOPY_RUN (no EOF in it) and the stream goes on after it', async (fx) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, fx.dir, fx.file)));
    const m = await scanBytes(bytes, { vmdesc: await fixtureDescription(join(fx.dir, fx.describedBy!)) });
    expect(m.problems).toEqual([]);
    expect(m.complete).toBe(true);
    // Every command and every FULL section sits where the script's independent walker found it.
    const commands = m.records.filter((r) => r.kind === 'command').map((r) => [r.offset, r.command!.name]);
    expect(commands).toEqual(fx.layout.records.filter((r) => r.type === 'COMMAND').map((r) => [r.offset, r.name]));
    const full = m.records.filter((r) => r.sectionType === 'full').map((r) => [r.offset, r.idstr]);
    expect(full).toEqual(fx.layout.sections.map((s) => [s[0], s[1]]));
    const pkg = m.records.findIndex((r) => r.command?.name === 'PACKAGED');
    const run = m.records.findIndex((r) => r.command?.name === 'POSTCOPY_RUN');
    expect(m.records[pkg + 1].command?.name).toBe('POSTCOPY_LISTEN');
    expect(m.records.slice(pkg + 1, run + 1).every((r) => r.depth === 1)).toBe(true);
    expect(m.records.slice(run + 1).every((r) => r.depth === 0)).toBe(true);
    // The package's be32 length ends it right after POSTCOPY_RUN.
    const len = new DataView(bytes.buffer).getUint32(m.records[pkg].offset + 5);
    const runRec = m.records[run];
    expect(m.records[pkg].offset + m.records[pkg].size + len).toBe(runRec.offset + runRec.size);
    expect(m.records.at(-1)).toMatchObject({ kind: 'eof', offset: fx.layout.eofOffset });
    expect(m.records.filter((r) => r.kind === 'eof').length).toBe(1);
  });
});

/** The fixture script's pattern: SHA-256 in counter mode over SEED (scripts/make-fixtures-qemu10.mjs). */
function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) off += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}
