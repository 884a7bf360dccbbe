// `--format analyze` prints what QEMU's scripts/analyze-migration.py of the QEMU that wrote the
// stream prints: golden outputs of the real scripts (7.2 by scripts/make-fixtures.mjs, 10.0 by
// scripts/make-analyze-goldens.mjs), compared byte for byte.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { analyzeJson, detectDialect, formatAnalyze, type AnalyzeDialect } from './analyze-format.ts';
import { FIXTURE_DIR, fixtureBytes, fixtureDescription, manifest, scanBytes } from './testing/fixtures.ts';

const golden72 = manifest().fixtures.filter((f) => existsSync(join(FIXTURE_DIR, f.file.replace(/\.bin$/, '.analyze.json.gz'))));

interface GoldenSet { results: Record<string, { ok: boolean; golden?: string; error?: string }>; script: { source: string } }
const goldenSet = (dir: string, name: string): GoldenSet => JSON.parse(readFileSync(join(FIXTURE_DIR, dir, name), 'utf8'));
const cases = (dir: string, name: string) => Object.entries(goldenSet(dir, name).results).map(([file, r]) => ({ dir, file, ...r }));

async function ours(path: string, dialect?: AnalyzeDialect): Promise<string> {
  const bytes = fixtureBytes(path);
  const model = await scanBytes(bytes);
  return formatAnalyze(await analyzeJson(model, memorySource(bytes), dialect)) + '\n';
}
const theirs = (path: string) => gunzipSync(readFileSync(join(FIXTURE_DIR, path))).toString('utf8');

describe('analyze-migration.py compatibility', () => {
  it('has golden outputs to compare with', () => {
    expect(golden72.length).toBeGreaterThanOrEqual(3);
    expect(cases('qemu10', 'analyze.json').filter((c) => c.ok).length).toBeGreaterThanOrEqual(4);
  });

  it.each(golden72)('QEMU 7.2 $file matches the 7.2 script byte for byte', async (fx) => {
    expect(await ours(fx.file)).toEqual(theirs(fx.file.replace(/\.bin$/, '.analyze.json.gz')));
  });

  it.each(cases('qemu10', 'analyze.json').filter((c) => c.ok))('QEMU 10.0 $file matches the 10.0 script byte for byte', async (c) => {
    expect(await ours(join(c.dir, c.file))).toEqual(theirs(join(c.dir, c.golden!)));
  });

  // The 11.1 script itself could not be had (qemu11/analyze-10.0.json says why): the 10.0 script
  // reads 11.1 streams, and so must our 10.0 dialect, byte for byte.
  it.each(cases('qemu11', 'analyze-10.0.json').filter((c) => c.ok))('QEMU 11.1 $file read as the 10.0 script reads it matches that script', async (c) => {
    expect(await ours(join(c.dir, c.file), '10.0')).toEqual(theirs(join(c.dir, c.golden!)));
  });

  it('the dialect follows the QEMU that wrote the stream', async () => {
    const dialect = async (p: string) => detectDialect(await scanBytes(fixtureBytes(p)));
    expect(await dialect('q35-migration.bin')).toBe('7.2');
    expect(await dialect('qemu10/q35-migration.bin')).toBe('10.0');
    expect(await dialect('qemu11/q35-migration.bin')).toBe('11.1');
    expect(await dialect('qemu11/s390x-migration.bin')).toBe('11.1');
  });

  it('11.1: "ptr-marker" NULL entries print as nullptr, where the 10.0 script prints their byte', async () => {
    const as10 = JSON.parse(await ours('qemu11/s390x-migration.bin', '10.0'));
    const as11 = JSON.parse(await ours('qemu11/s390x-migration.bin', '11.1'));
    const css10 = Object.entries(as10).find(([k]) => k.startsWith('s390_css'))![1] as { css: unknown[] };
    const css11 = Object.entries(as11).find(([k]) => k.startsWith('s390_css'))![1] as { css: unknown[] };
    expect(css10.css.length).toBe(256);
    expect(css10.css.filter((v) => v === '30').length).toBe(255);
    expect(css11.css.filter((v) => v === 'nullptr').length).toBe(255);
    expect(css11.css[254]).toEqual(css10.css[254]);
    // Nothing else differs.
    const strip = (o: Record<string, unknown>) => JSON.stringify(o, (_k, v) => (v === '30' || v === 'nullptr' ? 'marker' : v));
    expect(strip(as11)).toEqual(strip(as10));
  });

  it('works where the script cannot: a device-state file with a supplied description', async () => {
    const bytes = fixtureBytes('pc-devstate.bin');
    const model = await scanBytes(bytes, { vmdesc: await fixtureDescription('pc-migration.bin') });
    const out = await analyzeJson(model, memorySource(bytes));
    const timer = out['timer (0)'] as Record<string, string>;
    expect(Object.keys(timer)).toEqual(['cpu_ticks_offset', 'unused', 'cpu_clock_offset']);
    const cpu = out['cpu (7)'] ?? Object.entries(out).find(([k]) => k.startsWith('cpu ('))![1];
    expect((cpu as Record<string, string>)['env.eip']).toBe('0x000000000000fff0');
  });
});
