// `set` and `apply` write whole qcow2 and xl images (the user's file is never changed), and the
// real programs accept them: `qemu-img check` and QEMU 7.2 `-loadvm` (which then shows the edited
// CMOS byte and EAX) for a snapshot's VM state; Xen's verify-stream-v2 and QEMU 7.2's
// xen-load-devices-state path (the -incoming recipe) for an xl image, including an edit that
// changes EMULATOR_CONTEXT's size and HVM_CONTEXT field edits that decode back.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { readHvmContext } from '../format/xen/hvm-context.ts';
import { readXenImage } from '../format/xen/xl-image.ts';
import { loadIntoQemu, startQemu } from '../../scripts/lib/qemu.mjs';
import { verifyXenStream, xenVerifierAvailable } from '../../scripts/lib/xen-verify.mjs';

const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-cedit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const hasQemu = (() => {
  try {
    return /version 7\.2\./.test(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();
const unzip = (rel: string, name: string) => {
  const path = join(dir, name);
  if (!existsSync(path)) writeFileSync(path, gunzipSync(readFileSync(join(FIXTURE_DIR, rel))));
  return path;
};
const manifest = JSON.parse(readFileSync(join(FIXTURE_DIR, 'qcow2/manifest.json'), 'utf8'));
const qcowEntry = manifest.images.find((e: { file: string }) => e.file === 'pc-v3.qcow2');

describe.runIf(hasQemu || process.env.CI)('CLI edits of a qcow2 snapshot, restored by QEMU 7.2', { timeout: 120_000 }, () => {
  it('set IMAGE@before writes a new image that qemu-img check accepts and -loadvm restores with the edits', async () => {
    const image = unzip(`qcow2/${qcowEntry.gz}`, 'pc-v3.qcow2');
    const before = readFileSync(image);
    const out = join(dir, 'edited.qcow2');
    const r = run('set', `${image}@before`, 'mc146818rtc (0)/cmos_data[63]=0x5a', 'cpu (0)/env.regs[0]=0x12345678', '-o', out, '--save-patch', join(dir, 'q.patch.json'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(image).equals(before)).toBe(true);
    const edited = readFileSync(out);
    expect(edited.length).toBe(before.length);
    // Only the five VM-state bytes changed: the CMOS byte and the low four bytes of EAX.
    expect(edited.reduce((n, b, i) => n + (b !== before[i] ? 1 : 0), 0)).toBeLessThanOrEqual(5);
    execFileSync('qemu-img', ['check', out]);
    const q = await startQemu(qcowEntry.binary, [...qcowEntry.args.map((a: string) => a.replace('public/fixtures/qcow2/pc-v3.qcow2', out)), '-loadvm', 'before']);
    try {
      await q.qmp.hmp('o /b 0x70 0x3f');
      expect((await q.qmp.hmp('i /b 0x71')).trim()).toMatch(/= 0x5a$/);
      expect(await q.qmp.hmp('info registers')).toMatch(/EAX=12345678/);
    } finally {
      await q.qmp.execute('quit').catch(() => {});
      await q.exited;
    }
    // The patch the CLI saved applies to the same snapshot again, with the same bytes.
    const again = join(dir, 'again.qcow2');
    expect(run('apply', `${image}@before`, join(dir, 'q.patch.json'), '-o', again).status).toBe(0);
    expect(readFileSync(again).equals(edited)).toBe(true);
  });

  it('refuses an edit that changes the VM state size, with the reason, and writes nothing', () => {
    const image = unzip(`qcow2/${qcowEntry.gz}`, 'pc-v3.qcow2');
    const out = join(dir, 'resized.qcow2');
    const r = run('set', `${image}@before`, 'timer (0)/#idstr=timer2', '--force', '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/changes its size by 1 bytes; a snapshot's VM state inside a qcow2 image can only be changed in place/);
    expect(existsSync(out)).toBe(false);
  });
});

const xlImage = () => unzip('xl/pc-xl.save.gz', 'pc-xl.save');
async function emulatorContext(file: string) {
  const bytes = new Uint8Array(readFileSync(file));
  const img = await readXenImage(memorySource(bytes));
  const ctx = img.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
  const hvm = img.records.find((r) => r.name === 'HVM_CONTEXT')!;
  const entries = await readHvmContext(memorySource(bytes), hvm.bodyOffset, hvm.length);
  return { img, bytes, ctx, hvm, entries, devstate: bytes.subarray(ctx.bodyOffset + 8, ctx.bodyOffset + ctx.length) };
}
const field = (entries: Awaited<ReturnType<typeof emulatorContext>>['entries'], entry: string, name: string) => entries.find((e) => `${e.name} (${e.instance})` === entry)!.fields.find((f) => f.name === name)!;

describe('CLI edits of an xl save image', { timeout: 120_000 }, () => {
  it('HVM_CONTEXT fields: set rewrites them in place and they decode back; the record lengths do not change', async () => {
    const image = xlImage();
    const out = join(dir, 'hvm.save');
    const r = run('set', image, 'hvm CPU (0)/rax=0xdeadbeef', 'hvm CPU (0)/rip=0xfffffff0', 'hvm RTC (0)/cmos_data[11]=0x5a', 'hvm PMTIMER (0)/pm1a_en=0x121', 'hvm LAPIC (0)/timer_divisor=3', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const a = await emulatorContext(image);
    const b = await emulatorContext(out);
    expect(b.bytes.length).toBe(a.bytes.length);
    expect(b.img.records.map((x) => [x.name, x.offset, x.length])).toEqual(a.img.records.map((x) => [x.name, x.offset, x.length]));
    expect(field(b.entries, 'CPU (0)', 'rax').value).toBe(0xdeadbeef);
    expect(field(b.entries, 'CPU (0)', 'rip').value).toBe(0xfffffff0);
    expect(field(b.entries, 'PMTIMER (0)', 'pm1a_en').value).toBe(0x121);
    expect((field(b.entries, 'RTC (0)', 'cmos_data').value as Uint8Array)[11]).toBe(0x5a);
    expect(field(b.entries, 'LAPIC (0)', 'timer_divisor').value).toBe(3);
    if (xenVerifierAvailable() || process.env.CI) {
      const v = verifyXenStream(out, 'xl');
      expect(v.ok, v.output).toBe(true);
    }
  });

  it('refuses a value that does not fit and an HVM HEADER magic Xen would refuse (unless --force)', () => {
    const image = xlImage();
    let r = run('set', image, 'hvm RTC (0)/cmos_index=0x100', '-o', join(dir, 'nofit.save'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not fit in 8 bits/);
    r = run('set', image, 'hvm HEADER (0)/magic=1', '-o', join(dir, 'magic.save'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad magic\/version/);
    expect(existsSync(join(dir, 'magic.save'))).toBe(false);
  });
});

describe.runIf((hasQemu && xenVerifierAvailable()) || process.env.CI)('xl images edited by the CLI and the real tools', { timeout: 120_000 }, () => {
  it.each([
    ['in place', ['mc146818rtc (0)/cmos_data[63]=0x5a', 'hvm CPU (0)/rax=0xdeadbeef'], 0],
    // QEMU's find_se accepts a device's compat idstr ("piix4_pm" for "0000:00:01.3/piix4_pm"): a
    // real rename that QEMU still loads, 13 bytes shorter, so the record's length and padding change.
    ['resized', ['0000:00:01.3/piix4_pm (0)/#idstr=piix4_pm', 'mc146818rtc (0)/cmos_data[63]=0x5a'], -13],
  ] as const)('%s: passes verify-stream-v2 and the device state loads into QEMU 7.2 with the edit', async (name, edits, delta) => {
    const image = xlImage();
    const out = join(dir, `xl-${name}.save`);
    const r = run('set', image, ...edits, '-o', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const a = await emulatorContext(image);
    const b = await emulatorContext(out);
    expect(b.ctx.length - a.ctx.length).toBe(delta);
    expect(b.ctx.size % 8).toBe(0);
    expect(b.img.problems).toEqual([]);
    const v = verifyXenStream(out, 'xl');
    expect(v.ok, v.output).toBe(true);
    const blob = join(dir, `devstate-${name}.bin`);
    writeFileSync(blob, b.devstate);
    const q = await loadIntoQemu(blob, 'pc-xen-devstate');
    try {
      expect(q.ok, q.stderr).toBe(true);
      await q.qmp!.hmp('o /b 0x70 0x3f');
      expect((await q.qmp!.hmp('i /b 0x71')).trim()).toMatch(/= 0x5a$/);
    } finally {
      await q.close();
    }
  });
});

describe('CLI patches carry container edits', { timeout: 120_000 }, () => {
  it('an HVM register and a libvirt header saved by set apply to another image; a mismatch is refused', async () => {
    const { libvirtFixture } = await import('../format/testing/libvirt-fixtures.ts');
    const { readLibvirt } = await import('../format/container/libvirt.ts');
    const raw = join(dir, 'raw.sav');
    const gz = join(dir, 'gzip.sav');
    writeFileSync(raw, libvirtFixture('raw.sav'));
    writeFileSync(gz, libvirtFixture('gzip.sav'));
    const patch = join(dir, 'lv.patch.json');
    expect(run('set', raw, 'libvirt/was_running=1', '-o', join(dir, 'lv1.sav'), '--save-patch', patch).status).toBe(0);
    expect(JSON.parse(readFileSync(patch, 'utf8')).edits).toEqual([{ kind: 'container', path: 'libvirt/was_running', before: 'false', after: 'true' }]);
    const out = join(dir, 'lv2.sav');
    const r = run('apply', gz, patch, '-o', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^note: the gzip image is written as a raw image/);
    expect((await readLibvirt(memorySource(new Uint8Array(readFileSync(out)))))!.libvirt!.header).toMatchObject({ wasRunning: 1, format: 0 });
    // Applied to the image it made, the value it expects to replace is gone.
    const again = run('apply', out, patch, '-o', join(dir, 'lv3.sav'));
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/libvirt\/was_running: the target holds true, the patch expects false/);

    const xl = xlImage();
    const hvmPatch = join(dir, 'hvm.patch.json');
    expect(run('set', xl, 'hvm CPU (0)/rax=0xdeadbeef', '-o', join(dir, 'xl-p1.save'), '--save-patch', hvmPatch).status).toBe(0);
    expect(run('apply', xl, hvmPatch, '-o', join(dir, 'xl-p2.save')).status).toBe(0);
    expect(readFileSync(join(dir, 'xl-p2.save')).equals(readFileSync(join(dir, 'xl-p1.save')))).toBe(true);
  });
});
