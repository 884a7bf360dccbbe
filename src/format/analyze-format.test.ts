// `--format analyze` prints what QEMU 7.2's scripts/analyze-migration.py prints (golden outputs
// of the real script, made by scripts/make-fixtures.mjs).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { analyzeJson, formatAnalyze } from './analyze-format.ts';
import { FIXTURE_DIR, fixtureBytes, fixtureDescription, manifest, scanBytes } from './testing/fixtures.ts';

const golden = manifest().fixtures.filter((f) => existsSync(join(FIXTURE_DIR, f.file.replace(/\.bin$/, '.analyze.json.gz'))));

describe('analyze-migration.py compatibility', () => {
  it('has golden outputs to compare with', () => {
    expect(golden.length).toBeGreaterThanOrEqual(3);
  });

  it.each(golden)('$file matches the script byte for byte', async (fx) => {
    const bytes = fixtureBytes(fx.file);
    const model = await scanBytes(bytes);
    const ours = formatAnalyze(await analyzeJson(model, memorySource(bytes))) + '\n';
    const theirs = gunzipSync(readFileSync(join(FIXTURE_DIR, fx.file.replace(/\.bin$/, '.analyze.json.gz')))).toString('utf8');
    expect(ours).toEqual(theirs);
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
