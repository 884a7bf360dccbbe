// The RAM block check (ram-blocks.ts). Its facts come from `info ramblock` of each QEMU version
// (scripts/lib/compat-ramblocks.mjs); the oracle they are held to is another path through the same
// real programs: the MEM_SIZE block list of every migration stream those versions wrote
// (public/compat, reference and held-out VMs), and QEMU's own refusal of the microvm streams.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { FAMILY_ARCH, machineFamily, type CompatTarget } from './check.ts';
import { checkRamBlocks, type RamBlockFacts } from './ram-blocks.ts';

const DIR = join(FIXTURE_DIR, '../compat');
const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));
const target = (v: string, arch: string): CompatTarget => JSON.parse(new TextDecoder().decode(gz(`qemu-${v}-${arch}.json.gz`)));
const streams = readdirSync(DIR).filter((f) => /-(7\.2|10\.0|11\.1)-migration\.bin\.gz$/.test(f)).sort();

async function ramOf(file: string) {
  const { model } = await scanStream(memorySource(gz(file)), {});
  const blocks = model.records.find((r) => r.idstr === 'ram' && r.sectionType === 'start')?.ram?.blocks;
  return { model, blocks: blocks ?? [], arch: FAMILY_ARCH[machineFamily(model)] };
}

describe('RAM blocks recorded from each QEMU version', { timeout: 60_000 }, () => {
  it('covers every stream of public/compat', () => expect(streams.length).toBeGreaterThanOrEqual(36));

  it.each(streams)('%s: every block it lists is recorded for its machine type with the same length', async (file) => {
    const version = /-([0-9.]+)-migration/.exec(file)![1];
    const { model, blocks, arch } = await ramOf(file);
    const facts = target(version, arch).ramBlocks!;
    const set = facts.sets[facts.machines[model.machine!]];
    expect(set, `no RAM blocks recorded for ${model.machine}`).toBeDefined();
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      const cut = b.name.startsWith('/') ? -1 : b.name.indexOf('/');
      const fact = set.find((f) => f.name === (cut > 0 ? b.name.slice(cut + 1) : b.name) && !!f.device === cut > 0);
      expect(fact, `${b.name} in ${model.machine}`).toBeDefined();
      // A memory backend's size is the -m each was started with (s390x's VMs used 128 MiB, the probe 32).
      if (!fact!.memdev) expect(fact!.used, b.name).toBe(b.length);
    }
    // And so the check finds nothing to say but the -m note when a stream goes to its own version.
    expect(checkRamBlocks(blocks, facts, model.machine!, version).map((f) => f.severity)).toEqual(['note']);
  });
});

describe('microvm between QEMU 7.2 and 10.0 / 11.1: QEMU refuses pc.bios (loads-heldout.json)', () => {
  const loads: { vm: string; from: string; to: string; kind: string; ok: boolean; messages: string[] }[] = JSON.parse(readFileSync(join(DIR, 'loads-heldout.json'), 'utf8')).loads;
  const microvm = loads.filter((l) => l.vm === 'microvm-rng' && l.kind === 'migration');

  it.each(microvm.map((l) => [`${l.from} -> ${l.to}`, l] as const))('%s', async (_name, l) => {
    const { model, blocks } = await ramOf(`microvm-rng-${l.from}-migration.bin.gz`);
    const findings = checkRamBlocks(blocks, target(l.to, 'x86_64').ramBlocks, model.machine!, l.to);
    const fail = findings.find((f) => f.severity === 'fail');
    const qemu = l.messages.find((m) => /^(Size mismatch|Size too large|Unknown ramblock)/.test(m));
    expect(!!fail, JSON.stringify(findings)).toBe(!!qemu);
    // QEMU's line is the message and errno ("...: Invalid argument"); ours explains in parentheses.
    if (qemu) expect(`${fail!.message.replace(/ \([^()]*\)$/, '')}: Invalid argument`).toBe(qemu);
  });
});

describe('RAM block rules (hand-made lists against QEMU 10.0 pc-i440fx-10.0 as recorded)', () => {
  const facts = target('10.0', 'x86_64').ramBlocks as RamBlockFacts;
  const check = (blocks: { name: string; length: number }[]) => checkRamBlocks(blocks, facts, 'pc-i440fx-10.0', '10.0');
  const fails = (blocks: { name: string; length: number }[]) => check(blocks).filter((f) => f.severity === 'fail').map((f) => f.message.replace(/ \([^()]*\)$/, ''));

  it('resizes a resizeable block up to its maximum, and refuses one above it', () => {
    expect(fails([{ name: '/rom@etc/acpi/tables', length: 0x40000 }])).toEqual([]);
    expect(fails([{ name: '/rom@etc/acpi/tables', length: 0x400000 }])).toEqual(['Size too large: /rom@etc/acpi/tables: 0x400000 > 0x200000']);
  });

  it('refuses another size of a fixed block, device blocks by their full idstr, and stops at the first', () => {
    expect(fails([{ name: '0000:00:05.0/e1000.rom', length: 0x20000 }, { name: 'pc.rom', length: 0x10000 }])).toEqual(['Size mismatch: 0000:00:05.0/e1000.rom: 0x20000 != 0x40000']);
  });

  it('never compares a memory backend, and cannot tell about blocks the recorded VM lacks', () => {
    const f = check([{ name: 'pc.ram', length: 0x40000000 }, { name: 'mem0', length: 0x10000000 }, { name: '0000:00:06.0/foo.rom', length: 0x40000 }]);
    expect(f.map((x) => x.severity)).toEqual(['warning', 'warning', 'note']);
    expect(f[0].message).toMatch(/^cannot tell: .*Unknown ramblock "mem0"/);
    expect(f[1].message).toMatch(/^not checked: RAM block '0000:00:06.0\/foo.rom'/);
    expect(f[2].message).toMatch(/pc\.ram 0x40000000/);
  });

  it('says so when the target data has no RAM blocks for the machine type', () => {
    expect(checkRamBlocks([{ name: 'pc.bios', length: 1 }], facts, 'pc-i440fx-1.0', '10.0')[0].message).toMatch(/no RAM block list for machine type pc-i440fx-1.0/);
    expect(checkRamBlocks([{ name: 'pc.bios', length: 1 }], undefined, 'pc', '10.0')[0].severity).toBe('warning');
  });
});
