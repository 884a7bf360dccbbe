// Real QEMU 7.2 files the bundled descriptions do not fit (scripts/make-fixtures-guess.mjs): with
// footers, a wrong guess is a warning and the section is delimited by its footer; the files decode
// to the end and the CLI exits 0. Errors are for damaged files only.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { analyzeJson, formatAnalyze } from './analyze-format.ts';
import { PROBLEM_CODES } from './errors.ts';
import { bundledLibrary } from './library-bundled.ts';
import { createLibrary } from './library.ts';
import { ARCH_PROBE_BYTES, guessArch } from './library-load.ts';
import { FIXTURE_DIR, gaps, scanBytes } from './testing/fixtures.ts';
import { libraryJsons } from './testing/libraries.ts';

const DIR = join(FIXTURE_DIR, 'guess');
const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const entries: { file: string; kind: string; loadsBack: boolean }[] = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')).fixtures;
const devstate = entries.filter((e) => e.kind === 'devstate');
const bytesOf = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const be32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

describe('files the bundled descriptions guess wrong', { timeout: 60_000 }, () => {
  it('are real files QEMU 7.2 loads back', () => {
    expect(devstate.map((e) => e.file).sort()).toEqual(['pseries-devstate.bin', 'virt-gicv3-devstate.bin']);
    expect(entries.every((e) => e.loadsBack)).toBe(true);
  });

  it.each(devstate)('$file: every section ends at its own footer, to the EOF, with no error', async ({ file }) => {
    const bytes = bytesOf(file);
    const m = await scanBytes(bytes, { library: bundledLibrary() });
    expect(m.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(m.complete).toBe(true);
    expect(gaps(m)).toEqual([]);
    const sections = m.records.filter((r) => r.kind === 'section');
    expect(sections.length).toBeGreaterThan(10);
    for (const r of sections) {
      // The footer QEMU checks (savevm.c check_section_footer): 7E and this section's id, last.
      expect(r.footerOffset, r.idstr).toBe(r.offset + r.size - 5);
      expect(bytes[r.footerOffset!]).toBe(0x7e);
      expect(be32(bytes, r.footerOffset! + 1)).toBe(r.sectionId);
    }
  });

  it.each(devstate)('$file: with the packed libraries of its architecture every section is decoded by a QEMU 7.2 description', async ({ file }) => {
    const bytes = bytesOf(file);
    const arch = guessArch(bytes.subarray(0, ARCH_PROBE_BYTES));
    expect(arch).toBe(file.startsWith('pseries') ? 'ppc64' : 'aarch64');
    const m = await scanBytes(bytes, { library: createLibrary(libraryJsons(arch!)) });
    expect(m.problems.filter((p) => p.code === 'no-description' || p.severity === 'error')).toEqual([]);
    const sections = m.records.filter((r) => r.kind === 'section');
    expect(sections.filter((r) => r.decodedBy !== 'bundled').map((r) => r.idstr)).toEqual([]);
    expect(m.likelyQemu).toContain('7.2');
  });

  it('pseries: spapr_nvram, after which spapr_iommu has instance id 0x80000000, is framed by its footer', async () => {
    const m = await scanBytes(bytesOf('pseries-devstate.bin'), { library: bundledLibrary() });
    const i = m.records.findIndex((r) => r.idstr?.endsWith('spapr_nvram'));
    expect(m.records[i + 1]).toMatchObject({ kind: 'section', idstr: 'spapr_iommu', instanceId: 0x80000000 });
  });

  it('virt gic-version=3: virtio-rng on virtio-mmio decodes without reading past the end', async () => {
    const m = await scanBytes(bytesOf('virt-gicv3-devstate.bin'), { library: bundledLibrary() });
    const rng = m.records.find((r) => r.idstr?.endsWith('/virtio-rng'))!;
    expect(rng.footerOffset).toBeDefined();
    expect(m.problems.filter((p) => p.code === 'truncated')).toEqual([]);
  });

  it.each(devstate)('CLI inspect $file exits 0', ({ file }) => {
    const r = spawnSync('node', [BIN, 'inspect', join(DIR, file)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('no problem message repeats its title', async () => {
    const m = await scanBytes(bytesOf('pseries-devstate.bin'), { library: bundledLibrary() });
    expect(m.problems.some((p) => p.code === 'no-description')).toBe(true);
    for (const p of m.problems) expect(p.message.toLowerCase().startsWith(PROBLEM_CODES[p.code].title.toLowerCase()), p.message).toBe(false);
  });

  it('a cut file is still an error: missing footer at the end', async () => {
    const bytes = bytesOf('pseries-devstate.bin');
    const nvram = (await scanBytes(bytes, { library: bundledLibrary() })).records.find((r) => r.idstr?.endsWith('spapr_nvram'))!;
    const m = await scanBytes(bytes.subarray(0, nvram.footerOffset! - 100), { library: bundledLibrary() });
    expect(m.problems.filter((p) => p.severity === 'error').length).toBeGreaterThan(0);
  });

  it('pseries migration: --format analyze matches QEMU 7.2\'s script, spapr/htab printing ""', async () => {
    const bytes = bytesOf('pseries-migration.bin');
    const model = await scanBytes(bytes);
    const ours = formatAnalyze(await analyzeJson(model, memorySource(bytes))) + '\n';
    const theirs = gunzipSync(readFileSync(join(DIR, 'pseries-migration.analyze.json.gz'))).toString('utf8');
    expect(JSON.parse(theirs)).toHaveProperty([Object.keys(JSON.parse(theirs)).find((k) => k.startsWith('spapr/htab'))!], '');
    expect(ours).toEqual(theirs);
  });
});
