// Streams from QEMU 10.0 (Debian trixie, made by scripts/make-fixtures-qemu10.mjs): the vmdesc
// `configuration` member, nullptr runs, index-less last elements, SWITCHOVER_START, MULTIFD_FLUSH
// and the mapped-ram file layout all decode (format.md §10).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, gaps, roundTripMismatches, scanBytes } from './testing/fixtures.ts';
import { fixtureDescription } from './testing/fixtures.ts';
import { walkFields } from './edit/find.ts';

const DIR = join(FIXTURE_DIR, 'qemu10');
const fixtures: { file: string; kind: string; describedBy?: string }[] = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')).fixtures;
const bytesOf = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

describe.each(fixtures)('QEMU 10.0 $file', (fx) => {
  it('decodes with no error, every byte accounted for, and round-trips', async () => {
    const bytes = bytesOf(fx.file);
    const vmdesc = fx.describedBy && fx.describedBy !== fx.file ? await fixtureDescription(join('qemu10', fx.describedBy)) : undefined;
    const m = await scanBytes(bytes, { vmdesc });
    expect(gaps(m)).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    for (const r of m.records.filter((x) => x.kind === 'section')) expect(r.exact, `${r.idstr}`).toBe(true);
    expect(await roundTripMismatches(bytes, m)).toEqual([]);
  });
});

describe('QEMU 10.0 features', () => {
  it('SWITCHOVER_START right before the RAM END', async () => {
    const m = await scanBytes(bytesOf('q35-migration.bin'));
    const i = m.records.findIndex((r) => r.command?.name === 'SWITCHOVER_START');
    expect(m.records[i]).toMatchObject({ offset: 361862, size: 5 });
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

  it('mapped-ram: pages found through each block\'s bitmap, at fixed offsets', async () => {
    const bytes = bytesOf('pc-mapped-ram.bin');
    const m = await scanBytes(bytes);
    const ram = m.ramBlocks.find((b) => b.name === 'pc.ram')!;
    expect(ram.pages).toBe(4);
    // The pattern QEMU loaded at guest 0x100000 is at pages offset 0x100000 + 0x100000.
    const pattern = bytesOf('ram-pattern.bin');
    expect(bytes.subarray(0x200000, 0x200000 + 4096)).toEqual(pattern.subarray(0, 4096));
  });

  it('multifd main channel: MULTIFD_FLUSH records and no pages', async () => {
    const m = await scanBytes(bytesOf('pc-multifd-main.bin'));
    expect(m.ramBlocks.reduce((s, b) => s + b.pages + b.zero, 0)).toBe(0);
  });
});
