// The comparison on pairs made by real QEMU 7.2 (scripts/make-diff-fixtures.mjs). Oracles: the
// bytes `cmp -l` found different (manifest), QEMU's own `info registers` before each save, and
// what the guest did between the saves (a paused guest with clock=vm: nothing but the HMP writes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { bundledLibrary } from '../library-bundled.ts';
import { FIXTURE_DIR, fixtureDescription } from '../testing/fixtures.ts';
import { diffFiles } from './diff-files.ts';
import { DEFAULT_IGNORE } from './ignore.ts';
import type { DiffResult, FieldDiff } from './types.ts';

const DIR = join(FIXTURE_DIR, 'diff');
const bytes = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
interface CmpByte { offset: number; left: number; right: number; field: string | null }
const pairs: { name: string; cmp?: { bytes?: CmpByte[] } }[] = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')).pairs;

async function diff(l: Uint8Array | string, r: Uint8Array | string, opts: Parameters<typeof diffFiles>[2] = {}): Promise<DiffResult> {
  const src = (x: Uint8Array | string) => ({ name: typeof x === 'string' ? x : 'bytes', source: memorySource(typeof x === 'string' ? bytes(x) : x) });
  return (await diffFiles(src(l), src(r), { library: bundledLibrary(), ...opts })).result;
}

/** Every listed difference as "SECTION/PATH: LEFT -> RIGHT". */
function lines(d: DiffResult): string[] {
  return d.sections.flatMap((s) => [
    ...(s.status === 'only-left' || s.status === 'only-right' ? [`${s.key}: ${s.status}`] : []),
    ...s.subsections.map((x) => `${s.key}/${x.path}: subsection ${x.status}`),
    ...s.fields.map((f: FieldDiff) => `${s.key}/${f.path}: ${f.left?.text} -> ${f.right?.text}`),
  ]);
}

const CMOS = ['mc146818rtc (0)/cmos_data[63]: 0x00 -> 0x5a', 'mc146818rtc (0)/cmos_index: 0x00 -> 0x3f'];

describe('the CMOS pair (HMP o /b 0x70 0x3f, o /b 0x71 0x5a on a paused guest)', () => {
  it('device-state files differ exactly in cmos_data[63] and cmos_index, and in every byte cmp found', async () => {
    const d = await diff('cmos-before.bin', 'cmos-after.bin');
    expect(lines(d)).toEqual(CMOS);
    expect(d.equal).toBe(false);
    // Each byte cmp -l listed lies in a reported field, and each reported field holds such a byte.
    const cmp = pairs.find((p) => p.name === 'cmos-devstate')!.cmp!.bytes!;
    const fields = d.sections.flatMap((s) => s.fields);
    for (const b of cmp) expect(fields.some((f) => b.offset >= f.left!.offset && b.offset < f.left!.offset + f.left!.size), `byte ${b.offset}`).toBe(true);
    for (const f of fields) expect(cmp.some((b) => b.offset >= f.left!.offset && b.offset < f.left!.offset + f.left!.size), f.path).toBe(true);
  });

  it('migration streams (two QEMUs, one command line) give the same fields and no RAM page differs', async () => {
    const d = await diff('cmos-before-migration.bin', 'cmos-after-migration.bin');
    expect(lines(d)).toEqual(CMOS);
    expect(d.ram!.blocks.length).toBeGreaterThan(3);
    expect(d.ram!.differing).toBe(0);
    expect(d.ram!.blocks.every((b) => b.unknown === 0 && !b.only)).toBe(true);
    // When nothing shifted (the RAM split into the same PART records), cmp's bytes are the fields'.
    const cmp = pairs.find((p) => p.name === 'cmos-migration')!.cmp!.bytes;
    if (cmp) expect(cmp.map((b) => b.field)).toEqual(['mc146818rtc (0)/cmos_data[63]', 'mc146818rtc (0)/cmos_index']);
  });

  it('a COLO-style headerless buffer aligns with a device-state file', async () => {
    expect(lines(await diff('cmos-before.bin', 'cmos-after-colo.bin'))).toEqual(CMOS);
    const after = bytes('cmos-after.bin');
    const d = await diff(after, 'cmos-after-colo.bin');
    expect(d.left.variant).toBe('devstate');
    expect(d.right.variant).toBe('colo');
    expect(lines(d)).toEqual([]);
    expect(d.equal).toBe(true);
  });

  it('a device-state file against a migration stream of the same guest: devices align, the stream\'s RAM and configuration are only right', async () => {
    const d = await diff('cmos-after.bin', 'cmos-after-migration.bin');
    expect(d.sections.find((s) => s.key === 'mc146818rtc (0)')!.status).toBe('same');
    expect(d.sections.find((s) => s.key === 'configuration')!.status).toBe('only-right');
    expect(d.sections.find((s) => s.key === 'ram (0)')!.status).toBe('only-right');
  });
});

describe('sections in another order', () => {
  /** Swaps the FULL records `a` and `b` (a before b) of a device-state file. */
  async function swapped(file: string, a: string, b: string): Promise<Uint8Array> {
    const { scanStream } = await import('../scan.ts');
    const src = bytes(file);
    const { model } = await scanStream(memorySource(src), { library: bundledLibrary() });
    const ra = model.records.find((r) => r.idstr === a)!;
    const rb = model.records.find((r) => r.idstr === b)!;
    const out = new Uint8Array(src.length);
    const parts = [src.subarray(0, ra.offset), src.subarray(rb.offset, rb.offset + rb.size), src.subarray(ra.offset + ra.size, rb.offset), src.subarray(ra.offset, ra.offset + ra.size), src.subarray(rb.offset + rb.size)];
    let at = 0;
    for (const p of parts) (out.set(p, at), (at += p.length));
    return out;
  }

  it('still align by idstr and instance', async () => {
    const moved = await swapped('cmos-after.bin', 'timer', 'mc146818rtc');
    expect(moved).not.toEqual(bytes('cmos-after.bin'));
    expect(lines(await diff('cmos-after.bin', moved))).toEqual([]);
    expect(lines(await diff('cmos-before.bin', moved))).toEqual(CMOS);
  });
});

describe('identical files', () => {
  it.each(['cmos-before.bin', 'cmos-after-migration.bin', 'regs-1.bin', 'regs-2-migration.bin'])('%s against a copy of itself: no difference', async (f) => {
    const d = await diff(f, bytes(f).slice());
    expect(lines(d)).toEqual([]);
    expect(d.equal).toBe(true);
    expect(d.ram?.differing ?? 0).toBe(0);
  });
});

function parseRegisters(text: string): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]*)\s?=([0-9a-f]{4,16})\b/g)) if (!regs.has(m[1])) regs.set(m[1], BigInt('0x' + m[2]));
  return regs;
}

describe('the registers pair (a guest running a counting loop between two saves)', () => {
  const GP: Record<string, string> = { EAX: 'env.regs[0]', ECX: 'env.regs[1]', EDX: 'env.regs[2]', EBX: 'env.regs[3]', ESP: 'env.regs[4]', EBP: 'env.regs[5]', ESI: 'env.regs[6]', EDI: 'env.regs[7]', EIP: 'env.eip', EFL: 'env.eflags' };

  it.each([
    ['regs-1-migration.bin', 'regs-2-migration.bin', undefined],
    ['regs-1.bin', 'regs-2.bin', 'regs-1-migration.bin'],
  ])('%s vs %s: the registers info registers shows changed are the cpu fields that differ, with its values', async (l, r, desc) => {
    const d = await diff(l, r, desc ? { vmdesc: await fixtureDescription(`diff/${desc}`) } : {});
    const before = parseRegisters(readFileSync(join(DIR, l.replace(/\.bin$/, '.registers.txt')), 'utf8'));
    const after = parseRegisters(readFileSync(join(DIR, r.replace(/\.bin$/, '.registers.txt')), 'utf8'));
    const cpu = d.sections.find((s) => s.key === 'cpu (0)')!;
    const changed = Object.keys(GP).filter((n) => before.get(n) !== after.get(n));
    expect(changed).toContain('EAX');
    for (const [name, path] of Object.entries(GP)) {
      const f = cpu.fields.find((x) => x.path === path);
      if (!changed.includes(name)) {
        expect(f, name).toBeUndefined();
        continue;
      }
      expect(BigInt(f!.left!.value as number), name).toBe(before.get(name));
      expect(BigInt(f!.right!.value as number), name).toBe(after.get(name));
    }
  });

  it('every byte cmp -l found different in the device-state pair lies in a listed field, and each listed field holds one', async () => {
    const d = await diff('regs-1.bin', 'regs-2.bin');
    const cmp = pairs.find((p) => p.name === 'regs-devstate')!.cmp!.bytes!;
    const fields = d.sections.flatMap((s) => s.fields);
    for (const b of cmp) expect(fields.some((f) => b.offset >= f.left!.offset && b.offset < f.left!.offset + f.left!.size), `byte ${b.offset} (${b.field})`).toBe(true);
    for (const f of fields) expect(cmp.some((b) => b.offset >= f.left!.offset && b.offset < f.left!.offset + f.left!.size), f.path).toBe(true);
  });

  it('the RAM of the two streams differs in a few pages of pc.ram, compared by hash page by page', async () => {
    const d = await diff('regs-1-migration.bin', 'regs-2-migration.bin');
    const ram = d.ram!.blocks.find((b) => b.name === 'pc.ram')!;
    expect(ram.differing).toBeGreaterThan(0);
    expect(ram.differing).toBeLessThan(64);
    expect(d.ram!.blocks.filter((b) => b.name !== 'pc.ram').every((b) => b.differing === 0)).toBe(true);
  });

  it('the default ignore list hides the clocks and the PIT tick, and counts them', async () => {
    const all = await diff('regs-1.bin', 'regs-2.bin');
    const some = await diff('regs-1.bin', 'regs-2.bin', { ignore: DEFAULT_IGNORE });
    const shown = lines(some).join('\n');
    expect(lines(all).join('\n')).toMatch(/cpu_ticks_offset/);
    expect(shown).not.toMatch(/cpu_ticks_offset|cpu_clock_offset|next_transition_time/);
    // Four: the two clocks, and the PIT's next tick twice: hw/timer/i8254_common.c sends
    // channels[0].next_transition_time inside the channels array and again after it (cmp -l
    // found both copies changed, manifest regs-devstate).
    expect(some.sections.reduce((n, s) => n + s.ignored, 0)).toBe(4);
    expect(lines(all).length - lines(some).length).toBe(4);
  });
});

describe('one machine saved by QEMU 7.2 and by QEMU 10.0 (machine type pc-i440fx-7.2)', () => {
  const made = pairs.some((p) => p.name.startsWith('qemu72-vs-qemu10'));

  it.skipIf(!made)('device-state files: only globalstate differs (10.0 added vm_was_suspended after runstate, migration/global_state.c)', async () => {
    const d = await diff('cmos-before.bin', 'qemu10-devstate.bin');
    expect(d.sections.filter((s) => s.status !== 'same').map((s) => s.key)).toEqual(['globalstate (0)']);
  });

  it.skipIf(!made)('streams decoded by their own descriptions: hpet num_timers became num_timers_save (hw/timer/hpet.c), globalstate grew; guest RAM is the same, firmware differs', async () => {
    const d = await diff('cmos-before-migration.bin', 'qemu10-migration.bin');
    expect(d.left.size).not.toBe(d.right.size);
    const text = lines(d);
    expect(text).toContain('hpet (0)/num_timers: 0x03 -> undefined');
    expect(text).toContain('hpet (0)/num_timers_save: undefined -> 0x03');
    expect(text.filter((l) => l.startsWith('globalstate (0)/')).map((l) => l.split(':')[0])).toEqual(expect.arrayContaining(['globalstate (0)/vm_was_suspended']));
    expect(d.sections.filter((s) => s.status !== 'same').map((s) => s.key).sort()).toEqual(['globalstate (0)', 'hpet (0)']);
    const ram = new Map(d.ram!.blocks.map((b) => [b.name, b]));
    expect(ram.get('pc.ram')!.differing).toBe(0);
    expect(ram.get('pc.bios')!.differing).toBeGreaterThan(0);
  });
});
