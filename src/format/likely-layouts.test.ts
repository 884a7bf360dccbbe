// The likely version's layouts (likely-layouts.ts) against real files' truth: every QEMU 10.0 and
// 11.1 device-state fixture with a twin migration stream (held-out machines, the qemu10/qemu11 pc
// files, the virtio, host-device, TPM and pseries-values groups), and the held-out streams cut before their JSON,
// each decoded with its architecture's libraries as the worker does; and every QEMU 7.2 one, also
// with every architecture's libraries at once as the CLI reads them (where its Xen-framed pc files
// are "likely 10.0 or 7.2"). Oracle: the same bytes decoded with the twin's own JSON description
// (what QEMU says it wrote). In 10.0/11.1 files globalstate and pl011 were decoded with 7.2's
// same-size layouts (a wrong name and value in each); after the step they equal the truth leaf for
// leaf, names and values, and no file loses a value.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { createLibrary } from './library.ts';
import { ARCH_PROBE_BYTES, guessArch } from './library-load.ts';
import { likelyLayouts } from './likely-layouts.ts';
import type { StreamModel } from './model.ts';
import { FIXTURE_DIR, scanBytes } from './testing/fixtures.ts';
import { agreement, everyLibrary, libraryJsons } from './testing/libraries.ts';
import { readVirtioFixture, recordLeaves, sectionsNamed, twinCases } from './testing/virtio-twins.ts';
import { loadDescription } from './vmdesc.ts';

interface Case { name: string; version: string; bytes: () => Promise<Uint8Array>; truth: () => Uint8Array; every?: boolean }
const gz = (...p: string[]) => () => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, ...p))));
const raw = (...p: string[]) => () => new Uint8Array(readFileSync(join(FIXTURE_DIR, ...p)));
/** A migration stream up to its EOF: what a device-state file lacks is the JSON after it. */
const cut = (bytes: () => Uint8Array) => async () => {
  const b = bytes();
  return b.subarray(0, (await scanBytes(b)).vmdesc!.offset);
};

const CASES: Case[] = [];
for (const v of ['10.0', '11.1']) {
  const dir = join(FIXTURE_DIR, 'heldout', `qemu-${v}`);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('-devstate.bin.gz')).sort()) {
    const truth = gz('heldout', `qemu-${v}`, f.replace('-devstate', '-migration'));
    CASES.push({ name: `heldout/qemu-${v}/${f}`, version: v, bytes: async () => gz('heldout', `qemu-${v}`, f)(), truth });
    CASES.push({ name: `heldout/qemu-${v}/${f.replace('-devstate', '-migration')} (cut)`, version: v, bytes: cut(truth), truth });
  }
  const flat = v === '10.0' ? 'qemu10' : 'qemu11';
  CASES.push({ name: `${flat}/pc-devstate.bin`, version: v, bytes: async () => raw(flat, 'pc-devstate.bin')(), truth: raw(flat, 'pc-migration.bin') });
}
for (const group of ['virtio', 'hostdev', 'tpm', 'values']) {
  for (const c of twinCases(() => true, group)) {
    const one = { name: `${group}/${c.name}`, version: c.v.slice(5), bytes: async () => readVirtioFixture(c.v, c.file, group), truth: () => readVirtioFixture(c.v, c.truth, group) };
    CASES.push(one);
    if (c.v === 'qemu-7.2') CASES.push({ ...one, name: `${one.name} (every library)`, every: true });
  }
}
for (const [file, truth] of [['pc-devstate.bin', 'pc-migration.bin'], ['pc-xen-devstate.bin', 'pc-migration.bin'], ['q35-devstate.bin', 'q35-migration.bin'], ['q35-colo.bin', 'q35-migration.bin'], ['virt-devstate.bin', 'virt-migration.bin']]) {
  CASES.push({ name: `${file} (every library)`, version: '7.2', bytes: async () => raw(file)(), truth: raw(truth), every: true });
}

const libraries = new Map<string, ReturnType<typeof createLibrary>>();
const libraryOf = (arch: string) => libraries.get(arch) ?? libraries.set(arch, createLibrary(libraryJsons(arch))).get(arch)!;
const named = (m: StreamModel) => sectionsNamed(m.records, /^(globalstate|pl011)$/).map((r) => ({ idstr: r.idstr, leaves: [...recordLeaves(r)] }));

let before = 0;
let after = 0;
let leaves = 0;
let wrongBefore = 0;
let withNamed = 0;

describe('sections read with the likely QEMU version\'s layouts', { timeout: 300_000 }, () => {
  it('has the twins of every group', () => {
    expect(CASES.filter((c) => c.version !== '7.2').length).toBeGreaterThanOrEqual(90);
    expect(CASES.filter((c) => c.every).length).toBeGreaterThanOrEqual(35);
  });

  it.each(CASES)('$name: globalstate and pl011 equal the truth, names and values; no value lost', async (c) => {
    const bytes = await c.bytes();
    const library = c.every ? everyLibrary() : libraryOf(guessArch(bytes.subarray(0, ARCH_PROBE_BYTES))!);
    const firstFit = await scanBytes(bytes, { library });
    const { model } = await likelyLayouts(firstFit, memorySource(bytes), library);
    const truth = await scanBytes(bytes, { vmdesc: await loadDescription(memorySource(c.truth())) });
    // The writer among the likely versions (a few files cannot tell 10.0 from 11.1).
    expect(firstFit.likelyQemu).toContain(c.version);
    const [a, b] = [agreement(firstFit, truth), agreement(model, truth)];
    // The framing is never changed: every record where it was.
    expect(model.records.map((r) => [r.offset, r.size, r.dataSize, r.exact])).toEqual(firstFit.records.map((r) => [r.offset, r.size, r.dataSize, r.exact]));
    expect(model.problems.filter((p) => p.severity === 'error')).toEqual(firstFit.problems.filter((p) => p.severity === 'error'));
    expect(b.framedExactly).toBe(a.framedExactly);
    expect(b.equalValues).toBeGreaterThanOrEqual(a.equalValues);
    const want = named(truth);
    // Files framed as Xen's QEMU writes them (no footers) have no globalstate, and only aarch64 has a pl011.
    expect(named(model)).toEqual(want);
    if (c.version === '7.2') {
      // QEMU 7.2's files were read right: nothing of theirs changes.
      expect(b).toEqual(a);
      return;
    }
    if (want.length) withNamed++;
    if (JSON.stringify(named(firstFit)) !== JSON.stringify(want)) wrongBefore++;
    before += a.equalValues;
    after += b.equalValues;
    leaves += a.leaves;
  });

  it('raises the share of values equal to the truth', () => {
    const pct = (n: number) => ((100 * n) / leaves).toFixed(4);
    console.log(`likely layouts over ${CASES.filter((c) => c.version !== '7.2').length} real QEMU 10.0/11.1 files: ${before} -> ${after} of ${leaves} values equal the truth (${pct(before)}% -> ${pct(after)}%); globalstate/pl011 wrong before in ${wrongBefore} of the ${withNamed} files that have them, in none after`);
    expect(withNamed).toBeGreaterThanOrEqual(60);
    expect(wrongBefore).toBe(withNamed);
    expect(after).toBeGreaterThan(before);
  });
});
