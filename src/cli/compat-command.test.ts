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

  // aarch64: the bundled library has no 10.0 / 11.1 aarch64 descriptions yet, so their CPU
  // sections are not decoded; the register list is read where the target's own layout has it.
  const arm: typeof loads = JSON.parse(readFileSync(join(DIR, 'loads-aarch64.json'), 'utf8')).loads;
  it.each(arm.map((l) => [`aarch64 ${l.from} -> ${l.to} ${l.vm} ${l.kind}`, l] as const))('%s: the verdict QEMU gave', async (_n, l) => {
    const report = await checkFile(unpacked(l.vm, l.from, l.kind), { version: l.to }, { library: bundledLibrary() });
    if (l.from === '11.1' && l.to === '10.0' && l.vm === 'virt' && l.kind === 'devstate') {
      // Known gap: QEMU 10.0 aborts on the cpu/wfxt-timer subsection, which only a decoded CPU
      // section shows (compat-aarch64.test.ts predicts it with the true description). Undecoded,
      // the check can only see that the section's size differs from 10.0's: a warning, not "loads".
      expect(report.verdict).toBe('loads with warnings');
      return;
    }
    expect(report.verdict === 'fails', JSON.stringify(report.findings)).toBe(!l.ok);
    const qemuLine = l.messages.find((m) => !m.startsWith('warning:'))!;
    expect(qemuLine.includes(report.first!.message.replace(/ \(QEMU [^)]*\)$/, '')), `${report.first!.message} vs ${qemuLine}`).toBe(true);
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

  // qa10: a file QEMU 10.0 loads (7.2's pc migration) cut short, and no file at all, were
  // predicted to load: the loader stops where the bytes stop, in any QEMU.
  it('fails a cut or empty file where its decode stops, not with QEMU words it would not print', async () => {
    const whole = unpacked('pc', '7.2', 'migration');
    const cut = join(tmp, 'pc-7.2-migration-cut.bin');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    expect((await checkFile(whole, { version: '10.0' }, { library: bundledLibrary() })).verdict).not.toBe('fails');
    const report = await checkFile(cut, { version: '10.0' }, { library: bundledLibrary() });
    expect(report.verdict).toBe('fails');
    expect(report.first).toMatchObject({ damage: true, message: expect.stringMatching(/^The file cannot be loaded past byte \d+: /) });
    const empty = join(tmp, 'empty.bin');
    writeFileSync(empty, '');
    let text = '';
    expect(await main(['check', empty, '--target', '7.2'], (s) => (text += s), () => {})).toBe(1);
    expect(text).toMatch(/\nfail at 0x0: The file cannot be loaded past byte 0: .*\n.*empty\.bin: fails into QEMU 7\.2 \(pc-i440fx-7\.2\): The file cannot/);
    expect(text).not.toMatch(/QEMU would print/);
  });

  // qa10: an image was checked by its own bytes (no QEVM magic: "a device-state file", "loads").
  it('checks a libvirt save image and a qcow2 snapshot by the stream inside them', async () => {
    const fx = join(import.meta.dirname, '../../public/fixtures');
    const stream = join(tmp, 'raw-sav-stream.bin');
    expect(await main(['extract', join(fx, 'libvirt/raw.sav'), '-o', stream], () => {}, () => {})).toBe(0);
    const image = join(tmp, 'pc-v3.qcow2');
    writeFileSync(image, gunzipSync(readFileSync(join(fx, 'qcow2/pc-v3.qcow2.gz'))));
    const before = join(tmp, 'pc-v3-before.bin');
    writeFileSync(before, gunzipSync(readFileSync(join(fx, 'qcow2/pc-v3.qcow2.before.stream.gz'))));
    for (const [container, bare] of [[join(fx, 'libvirt/raw.sav'), stream], [join(fx, 'libvirt/xz.sav'), stream], [`${image}@before`, before]]) {
      const r = await checkFile(container, { version: '7.2' }, { library: bundledLibrary() });
      expect(r, container).toEqual(await checkFile(bare, { version: '7.2' }, { library: bundledLibrary() }));
      expect(r.findings.some((f) => /No configuration section/.test(f.message)), container).toBe(false);
    }
  });

  // qa10: one unreadable file among many stopped the run there: the files after it went unchecked.
  it('a file that cannot be opened is its own line; the files after it are still checked', async () => {
    const files = [unpacked('pc', '11.1', 'devstate'), join(tmp, 'gone.bin'), tmp, unpacked('q35', '11.1', 'migration')];
    let text = '';
    const code = await main(['check', ...files, '--target', '10.0'], (s) => (text += s), () => {});
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.file, l.error ?? l.verdict === 'fails'])).toEqual([
      [files[0], false],
      [files[1], `${files[1]}: no such file or directory`],
      [files[2], `${tmp}: is a directory, not a file`],
      [files[3], true],
    ]);
    expect(code).toBe(1);
  });

  // qa10: "--target 7.2:bogus" predicted "Machine type received is 'pc-i440fx-7.2' and local is 'bogus'".
  it('a machine type the target does not have is refused, not predicted', async () => {
    const file = unpacked('pc', '7.2', 'migration');
    await expect(checkFile(file, { version: '7.2', machine: 'bogus' }, { library: bundledLibrary() })).rejects.toThrow(/^QEMU 7\.2 \(x86_64\) has no machine type 'bogus' \("-machine help" lists /);
    expect((await checkFile(file, { version: '7.2', machine: 'q35' }, { library: bundledLibrary() })).first?.message).toBe("Machine type received is 'pc-i440fx-7.2' and local is 'pc-q35-7.2'");
  });

  // qa10: a multifd channel file was "a device-state file" that "loads into QEMU 10.0".
  it('a multifd channel file alone fails: it is no migration stream', async () => {
    const r = await checkFile(join(import.meta.dirname, '../../public/fixtures/qemu10/pc-multifd-channel0.bin'), { version: '10.0' }, { library: bundledLibrary() });
    expect(r.verdict).toBe('fails');
    expect(r.first).toMatchObject({ damage: true, offset: 0, message: expect.stringMatching(/^A multifd channel file, not a migration stream/) });
    expect(r.findings.some((f) => /device-state file/.test(f.message))).toBe(false);
  });

  // qa10b: the main channel of a real QEMU 10.0 / 11.1 multifd migration, checked without its
  // channel files, "loads": it holds no RAM page (they are in pc-multifd-channel*.bin beside it).
  it.each(['qemu10/pc-multifd-main.bin', 'qemu11/pc-multifd-main.bin', 'qemu10/multifd-dirty/pc-multifd-dirty-main.bin'])('%s alone: cannot tell, QEMU would wait for its channels', async (name) => {
    const r = await checkFile(join(import.meta.dirname, '../../public/fixtures', name), { version: name.startsWith('qemu11') ? '11.1' : '10.0' }, { library: bundledLibrary() });
    expect(r.verdict).toBe('loads with warnings');
    expect(r.findings.filter((f) => /multifd main channel alone/.test(f.message))).toEqual([expect.objectContaining({ severity: 'warning', section: 'ram (0)', message: expect.stringMatching(/^cannot tell: .*waits at this flush for those channels/) })]);
  });

  it.each(['pc-migration.bin', 'pc-postcopy-main.bin', 'pc-mapped-ram.bin'])('qemu10/%s (RAM pages in the file) is no multifd main channel', async (name) => {
    const r = await checkFile(join(import.meta.dirname, '../../public/fixtures/qemu10', name), { version: '10.0' }, { library: bundledLibrary() });
    expect(r.findings.some((f) => /multifd/.test(f.message))).toBe(false);
  });
});

