// The frame-only trial decode (vmsd-decoder.ts, section-decoder.ts frameSectionData) against the
// full decode, on real files of QEMU 7.2, 10.0 and 11.1: for every library-decoded section, each
// bundled candidate alone and each version's candidates (what version-consensus.ts asks) frame the
// section exactly where the full decode ends it, or neither fits; and decodeSectionData, which
// frames several candidates before building one, returns what building the first fitting candidate
// alone returns. Seeded byte mutations inside the sections reach the paths where layouts fail.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { descriptionCandidates, type DescriptionCandidate, type DescriptionLibrary } from './descriptions.ts';
import { createLibrary } from './library.ts';
import { ARCH_PROBE_BYTES, guessArch } from './library-load.ts';
import { sectionLabel, type StreamRecord } from './model.ts';
import { decodeSectionData, frameSectionData, type FramingState, type SectionData } from './section-decoder.ts';
import { FIXTURE_DIR, prng, scanBytes } from './testing/fixtures.ts';
import { libraryJsons } from './testing/libraries.ts';
import { WindowReader } from './window-reader.ts';

/** Device-state files, and migration streams cut before their vmdesc (decoded by the library alone). */
function realFiles(): { name: string; bytes: Uint8Array; cut: boolean }[] {
  const out: { name: string; bytes: Uint8Array; cut: boolean }[] = [];
  const walk = (dir: string, deep: boolean) => {
    for (const n of readdirSync(join(FIXTURE_DIR, dir)).sort()) {
      const rel = dir ? `${dir}/${n}` : n;
      if (statSync(join(FIXTURE_DIR, rel)).isDirectory()) {
        if (deep) walk(rel, deep);
        continue;
      }
      const devstate = /devstate.*\.bin(\.gz)?$/.test(n);
      // Held-out streams hold the same sections as their device-state files: those are enough.
      const stream = /^qemu1[01]$/.test(dir) && /-migration\.bin$/.test(n);
      if (!devstate && !stream) continue;
      const raw = readFileSync(join(FIXTURE_DIR, rel));
      out.push({ name: rel, bytes: new Uint8Array(n.endsWith('.gz') ? gunzipSync(raw) : raw), cut: stream });
    }
  };
  walk('', false);
  for (const d of ['qemu10', 'qemu11', 'heldout', 'virtio']) if (existsSync(join(FIXTURE_DIR, d))) walk(d, true);
  return out;
}

const libraries = new Map<string, DescriptionLibrary>();
const libraryOf = (arch: string | null) => libraries.get(arch ?? '*') ?? libraries.set(arch ?? '*', createLibrary(libraryJsons(arch ?? undefined))).get(arch ?? '*')!;

type Outcome = { framed: { dataEnd: number; footer: boolean; exact: boolean; heuristic: boolean } } | { none: true } | { threw: string };

function full(run: () => SectionData): Outcome {
  try {
    const d = run();
    return d.decodedBy === 'none' ? { none: true } : { framed: { dataEnd: d.dataEnd, footer: d.footer, exact: d.exact, heuristic: d.heuristic } };
  } catch (e) {
    return { threw: String(e) };
  }
}

function framedOnly(run: () => ReturnType<typeof frameSectionData>): Outcome {
  try {
    const f = run();
    return f ? { framed: { dataEnd: f.dataEnd, footer: f.footer, exact: f.exact, heuristic: f.heuristic } } : { none: true };
  } catch (e) {
    return { threw: String(e) };
  }
}

const copy = (f: FramingState): FramingState => ({ ...f, knownIds: new Set(f.knownIds) });

/** Frame-only and full decode of one section: each candidate alone, then all and each version's; the cases that disagree. */
async function compareSection(bytes: Uint8Array, r: StreamRecord, cands: DescriptionCandidate[], framing: FramingState, what: string): Promise<string[]> {
  const win = await new WindowReader(memorySource(bytes)).at(r.dataOffset!, r.dataSize! + 400);
  const label = sectionLabel(r.idstr!, r.instanceId!);
  const args = [win, r.dataOffset!, r.sectionId!, { idstr: r.idstr!, instanceId: r.instanceId! }] as const;
  const bad: string[] = [];
  // Each candidate alone: one bundled candidate is always built, never framed first.
  const alone = new Map(cands.map((c) => [c, full(() => decodeSectionData(...args, [c], copy(framing)))]));
  for (const [c, f] of alone) {
    const o = framedOnly(() => frameSectionData(...args, [c], copy(framing)));
    // Where nothing fits, the full decode goes on to delimit the section (which may throw); framing stops.
    const same = 'none' in o ? !('framed' in f) : JSON.stringify(o) === JSON.stringify(f);
    if (!same) bad.push(`${what} ${label} candidate "${c.body.describedBy}": framed ${JSON.stringify(o)}, decoded ${JSON.stringify(f)}`);
  }
  // Several together (all, then each version's, as version-consensus.ts asks): the first that fits
  // alone wins, with exactly the fields building it alone gives.
  const lists = [cands, ...[...new Set(cands.flatMap((c) => c.body.versions ?? []))].map((v) => cands.filter((c) => c.body.versions?.includes(v)))];
  for (const list of lists.filter((l, i) => l.length > 1 && (i === 0 || l.length < cands.length))) {
    const first = list.find((c) => 'framed' in alone.get(c)!);
    let together: SectionData | string;
    try {
      together = decodeSectionData(...args, list, copy(framing));
    } catch (e) {
      together = String(e);
    }
    if (first) {
      const expected = decodeSectionData(...args, [first], copy(framing));
      if (JSON.stringify(together) !== JSON.stringify(expected)) bad.push(`${what} ${label}: ${list.length} candidates decode otherwise than "${first.body.describedBy}" alone`);
      const o = framedOnly(() => frameSectionData(...args, list, copy(framing)));
      if (JSON.stringify(o) !== JSON.stringify(alone.get(first))) bad.push(`${what} ${label}: ${list.length} candidates framed ${JSON.stringify(o)}, first fit ${JSON.stringify(alone.get(first))}`);
    } else if (typeof together !== 'string') {
      // None fits: the problem names the first candidate's failure as its full decode states it.
      const alone0 = decodeSectionData(...args, [list[0]], copy(framing)).problems[0]?.message.replace(/^none of 1 /, '');
      const msg = together.problems.find((p) => p.message.startsWith(`none of ${list.length} `))?.message.replace(/^none of \d+ /, '');
      if (together.decodedBy !== 'none' || msg !== alone0) bad.push(`${what} ${label}: none fits, but the problem says "${msg}", alone "${alone0}"`);
    }
  }
  return bad;
}

/** Every library-decoded section of the file. */
async function compareFile(bytes: Uint8Array, what: string): Promise<{ sections: number; bad: string[] }> {
  const library = libraryOf(guessArch(bytes.subarray(0, ARCH_PROBE_BYTES)));
  const model = await scanBytes(bytes, { library });
  const framing: FramingState = { footers: model.footers, knownIds: new Set(model.records.filter((r) => r.sectionType === 'start').map((r) => r.sectionId!)) };
  const bad: string[] = [];
  let sections = 0;
  for (const r of model.records) {
    if (r.kind !== 'section' || r.dataOffset === undefined || !(r.sectionType === 'full' || r.sectionType === 'start') || r.idstr === undefined || r.ram) continue;
    const cands = descriptionCandidates(r.idstr, r.instanceId!, r.versionId!, { library });
    if (!cands.length) continue;
    sections++;
    bad.push(...(await compareSection(bytes, r, cands, framing, what)));
  }
  return { sections, bad };
}

const FILES = realFiles();

describe('frame-only trial decode', { timeout: 300_000 }, () => {
  it('finds the real fixtures it compares on (device state of 7.2, 10.0, 11.1; cut streams)', () => {
    const names = FILES.map((f) => f.name);
    expect(names).toContain('q35-devstate.bin');
    expect(names.some((n) => n.startsWith('qemu10/'))).toBe(true);
    expect(names.some((n) => n.startsWith('qemu11/'))).toBe(true);
    expect(names.filter((n) => n.startsWith('heldout/')).length).toBeGreaterThanOrEqual(12);
  });

  it.each(FILES.map((f) => [f.name, f] as const))('%s: frames every library-decoded section as the full decode does', async (_name, f) => {
    let bytes = f.bytes;
    if (f.cut) {
      const whole = await scanBytes(bytes);
      bytes = bytes.subarray(0, whole.vmdesc?.offset ?? bytes.length);
    }
    const { sections, bad } = await compareFile(bytes, f.name);
    expect(bad).toEqual([]);
    expect(sections).toBeGreaterThan(0);
  });

  it('frames as the full decode does on seeded byte mutations of device-state sections', async () => {
    const seed = 20261204;
    const rnd = prng(seed);
    // pseries trees are the largest (~0.7 s a decode): the others cover the same code.
    const files = FILES.filter((f) => !f.cut && !f.name.includes('pseries'));
    for (let n = 0; n < 8; n++) {
      const f = files[Math.floor(rnd() * files.length)];
      const bytes = f.bytes.slice();
      // A few bytes changed after the header: layouts then fail at varied depths.
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) bytes[8 + Math.floor(rnd() * (bytes.length - 8))] = Math.floor(rnd() * 256);
      const { bad } = await compareFile(bytes, `seed ${seed} case ${n} (${f.name})`);
      expect(bad, `seed ${seed} case ${n}`).toEqual([]);
    }
  });
});
