// `check FILE --target V` as a user runs it: the file decoded by the bundled descriptions only (no
// true description at hand), against every real cross-version load recorded by
// scripts/make-compat-fixtures.mjs: same verdict, QEMU's first message, the section QEMU names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundledLibrary } from '../format/library-bundled.ts';
import { checkFile } from './compat-command.ts';
import { main } from './main.ts';

const DIR = join(import.meta.dirname, '../../public/compat');
const loads: { from: string; to: string; vm: string; kind: string; ok: boolean; messages: string[] }[] = JSON.parse(readFileSync(join(DIR, 'loads.json'), 'utf8')).loads;
const tmp = mkdtempSync(join(tmpdir(), 'compat-cli-'));
const unpacked = (vm: string, v: string, kind: string) => {
  const path = join(tmp, `${vm}-${v}-${kind}.bin`);
  writeFileSync(path, gunzipSync(readFileSync(join(DIR, `${vm}-${v}-${kind}.bin.gz`))));
  return path;
};

describe('check --target with the bundled descriptions', () => {
  it.each(loads.map((l) => [`${l.from} -> ${l.to} ${l.vm} ${l.kind}`, l] as const))('%s: the verdict QEMU gave', async (_n, l) => {
    const report = await checkFile(unpacked(l.vm, l.from, l.kind), { version: l.to }, { library: bundledLibrary() });
    expect(report.verdict === 'fails', JSON.stringify(report.findings)).toBe(!l.ok);
    if (!l.ok) {
      expect(l.messages.some((m) => m.startsWith(report.first!.message)), `${report.first!.message} vs ${l.messages.join(' | ')}`).toBe(true);
      const named = /of device '([^']+)'/.exec(l.messages.join(' '))?.[1];
      if (named) expect(report.first!.section).toBe(`${named} (0)`);
    }
  });

  it('prints one JSON line per file and exits 1 when one of them fails', async () => {
    const files = [unpacked('pc', '11.1', 'devstate'), unpacked('q35', '11.1', 'migration')];
    let text = '';
    const code = await main(['check', ...files, '--target', '10.0'], (s) => (text += s), () => {});
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.file, l.verdict === 'fails'])).toEqual([[files[0], false], [files[1], true]]);
    expect(code).toBe(1);
  });

  it('refuses an unknown target version as a usage error', async () => {
    let err = '';
    expect(await main(['check', unpacked('pc', '7.2', 'devstate'), '--target', '9.9'], () => {}, (s) => (err += s))).toBe(2);
    expect(err).toMatch(/QEMU 9\.9 is not one of 7\.2, 10\.0, 11\.1/);
  });
});
