// `diff A B`: exit 0 equal, 1 differ, 2 error; text lines `IDSTR (INSTANCE)/PATH: LEFT -> RIGHT`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

const DIR = join(import.meta.dirname, '../../public/fixtures/diff');
const f = (name: string) => join(DIR, name);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('vmstate-explorer diff', () => {
  it('exits 1 and prints one line per changed field', async () => {
    const r = await run('diff', f('cmos-before.bin'), f('cmos-after.bin'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 2)).toEqual(['mc146818rtc (0)/cmos_data[63]: 0x00 -> 0x5a', 'mc146818rtc (0)/cmos_index: 0x00 -> 0x3f']);
  });

  it('exits 0 for identical device state (a COLO buffer against the device-state file it came from)', async () => {
    const r = await run('diff', f('cmos-after.bin'), f('cmos-after-colo.bin'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^equal: /m);
  });

  it('--ignore hides a field; when nothing else differs the files are equal', async () => {
    const r = await run('diff', f('cmos-before.bin'), f('cmos-after.bin'), '--ignore', 'mc146818rtc (0)/cmos_data', '--ignore', 'cmos_index');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 difference\(s\) ignored/);
  });

  it('--json gives the fields with both sides typed', async () => {
    const r = await run('diff', f('cmos-before.bin'), f('cmos-after.bin'), '--json');
    const j = JSON.parse(r.out);
    const rtc = j.sections.find((s: { key: string }) => s.key === 'mc146818rtc (0)');
    expect(rtc.fields.map((x: { path: string; left: { value: number }; right: { value: number } }) => [x.path, x.left.value, x.right.value])).toEqual([['cmos_data[63]', 0, 0x5a], ['cmos_index', 0, 0x3f]]);
  });

  it('exits 2 on a missing file, on a damaged file (naming the offset) and without two files', async () => {
    expect((await run('diff', f('cmos-before.bin'), f('nope.bin'))).code).toBe(2);
    const bad = await run('diff', f('cmos-before.bin'), f('regs-boot.img'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/regs-boot\.img: .*(offset|at) ?0/i);
    expect((await run('diff', f('cmos-before.bin'))).code).toBe(2);
  });

  // The left file is described by a QEMU 10.0 VM's description (supplied), the right by its own
  // 7.2 one: hpet's bytes are the same, read through two layouts.
  it('a device-state file described by a supplied 10.0 description against a stream with its own: a section of the same bytes laid out differently says so', async () => {
    const r = await run('diff', f('cmos-after.bin'), f('cmos-after-migration.bin'), '--json', '--no-ram', '--vmdesc', join(DIR, '../qemu10/pc-migration.bin'));
    expect(r.code).toBe(1);
    const sections: { key: string; status: string; notes: string[]; fields: { path: string }[] }[] = JSON.parse(r.out).sections;
    const hpet = sections.find((s) => s.key === 'hpet (0)')!;
    // 10.0 sends num_timers_save where 7.2 sent num_timers.
    expect(hpet.fields.map((x) => x.path).sort()).toEqual(['num_timers', 'num_timers_save']);
    expect(hpet.notes.join()).toMatch(/^the section's data bytes are identical: .* \(left by supplied, right by its own description\)$/);
    // globalstate really differs: "running" from xen-save-devices-state, "prelaunch" in the stream of the -S guest.
    const gs = sections.find((s) => s.key === 'globalstate (0)')!;
    expect([gs.status, gs.notes]).toEqual(['changed', []]);
  });

  it('the text output says too when a section holds the same bytes laid out differently (same pair as above)', async () => {
    const r = await run('diff', f('cmos-after.bin'), f('cmos-after-migration.bin'), '--no-ram', '--vmdesc', join(DIR, '../qemu10/pc-migration.bin'));
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain("hpet (0): the section's data bytes are identical: the differences are in how the two descriptions lay them out (left by supplied, right by its own description)");
    // The note follows hpet's own field lines; globalstate, which really changed, has none.
    expect(lines.findIndex((l) => l.startsWith('hpet (0): the section'))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('hpet (0)/num_timers')));
    expect(lines.filter((l) => /data bytes are identical/.test(l))).toHaveLength(1);
  });

  // qa10: diff read images by their own bytes ("Not a QEMU migration stream ... found 4c 69 62 76",
  // exit 2) and took IMAGE@NAME for a file name, unlike inspect, check and the page.
  it('compares libvirt and qcow2 images by the stream inside them', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { gunzipSync } = await import('node:zlib');
    const fx = join(import.meta.dirname, '../../public/fixtures');
    const tmp = mkdtempSync(join(tmpdir(), 'diff-images-'));
    const stream = join(tmp, 'raw.stream');
    expect(await main(['extract', join(fx, 'libvirt/raw.sav'), '-o', stream], () => {}, () => {})).toBe(0);
    const same = await run('diff', join(fx, 'libvirt/raw.sav'), stream);
    expect([same.code, same.err]).toEqual([0, '']);
    expect(same.out).toMatch(/^equal: .* 0 only left, 0 only right, [1-9]\d* same; RAM: 0 page\(s\) differ/m);
    // pc-v3.qcow2's snapshots: "after" was taken once QEMU had written CMOS byte 63 (qcow2/manifest.json).
    const image = join(tmp, 'pc-v3.qcow2');
    writeFileSync(image, gunzipSync(readFileSync(join(fx, 'qcow2/pc-v3.qcow2.gz'))));
    const { index, value } = JSON.parse(readFileSync(join(fx, 'qcow2/manifest.json'), 'utf8')).images.find((i: { file: string }) => i.file === 'pc-v3.qcow2').cmos.after;
    const snaps = await run('diff', `${image}@before`, `${image}@after`);
    expect([snaps.code, snaps.err]).toEqual([1, '']);
    expect(snaps.out.split('\n')[0]).toBe(`mc146818rtc (0)/cmos_data[${index}]: 0x00 -> 0x${value.toString(16)}`);
  });
});

