// The issue-12 targets on held-out real files (scripts/make-fixtures-heldout.mjs: never used to make a
// library): for QEMU 7.2, 10.0 and 11.1 and each machine, a device-state file and the migration stream
// of the same stopped VM cut before its vmdesc JSON are decoded with the packed libraries of the
// architecture guessArch names (as the worker and the CLI do), and compared with the decode by the
// stream's own description: every section framed exactly, ≥ 99% of field values equal, and the likely
// QEMU names the version that wrote the file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLibrary } from './library.ts';
import { guessArch, ARCH_PROBE_BYTES } from './library-load.ts';
import { FIXTURE_DIR, gaps, scanBytes } from './testing/fixtures.ts';
import { agreement, libraryJsons } from './testing/libraries.ts';
import { loadDescription } from './vmdesc.ts';
import { memorySource } from './byte-source.ts';

const DIR = join(FIXTURE_DIR, 'heldout');
const packed = new Set(JSON.parse(readFileSync(join(FIXTURE_DIR, '../library/index.json'), 'utf8')).libraries.map((l: { version: string; arch: string }) => `${l.version}/${l.arch}`));
const ARCH: Record<string, string> = { pc: 'x86_64', q35: 'x86_64', 'virt-gicv2': 'aarch64', 'virt-gicv3': 'aarch64', pseries: 'ppc64', 's390-ccw-virtio': 's390x' };

interface Case { version: string; machine: string; file: string; truth: string; cut: boolean }
const CASES: Case[] = [];
for (const d of existsSync(DIR) ? readdirSync(DIR).sort() : []) {
  const version = d.replace(/^qemu-/, '');
  const m = JSON.parse(readFileSync(join(DIR, d, 'manifest.json'), 'utf8')) as { fixtures: { file: string; kind: string; machine: string }[] };
  // Machines whose architecture has a packed library of this version (the others are listed in the report).
  for (const f of m.fixtures.filter((x) => x.kind === 'devstate' && packed.has(`${version}/${ARCH[x.machine]}`))) {
    const truth = `${d}/${f.machine}-migration.bin.gz`;
    CASES.push({ version, machine: f.machine, file: `${d}/${f.file}`, truth, cut: false });
    CASES.push({ version, machine: f.machine, file: truth, truth, cut: true });
  }
}

const bytesOf = (rel: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, rel))));
const libraries = new Map<string, ReturnType<typeof createLibrary>>();
const libraryOf = (arch: string) => libraries.get(arch) ?? libraries.set(arch, createLibrary(libraryJsons(arch))).get(arch)!;

async function decode(c: Case) {
  const truthBytes = bytesOf(c.truth);
  const vmdesc = await loadDescription(memorySource(truthBytes));
  let bytes = c.cut ? truthBytes : bytesOf(c.file);
  if (c.cut) {
    const full = await scanBytes(bytes);
    bytes = bytes.subarray(0, full.vmdesc!.offset);
  }
  const arch = guessArch(bytes.subarray(0, ARCH_PROBE_BYTES));
  const withLibrary = await scanBytes(bytes, { library: libraryOf(arch ?? ARCH[c.machine]) });
  const truth = await scanBytes(bytes, { vmdesc });
  return { arch, withLibrary, truth };
}

describe.runIf(CASES.length > 0)('held-out files decoded with the packed libraries only', { timeout: 120_000 }, () => {
  it.each(CASES)('QEMU $version $machine $file (cut: $cut): frames exactly, ≥ 99% of values equal, likely QEMU is the writer', async (c) => {
    const { arch, withLibrary, truth } = await decode(c);
    expect(arch, 'guessArch').toBe(ARCH[c.machine]);
    expect(withLibrary.vmdesc).toBeUndefined();
    const a = agreement(withLibrary, truth);
    const pct = ((100 * a.equalValues) / a.leaves).toFixed(2);
    console.log(`heldout QEMU ${c.version} ${c.machine} ${c.cut ? 'cut stream' : 'devstate'}: ${a.framedExactly}/${a.sections} sections framed exactly, ${a.equalValues}/${a.leaves} values equal (${pct}%), likely QEMU ${withLibrary.likelyQemu?.join('/')}; differing: ${a.differing.join(', ') || 'none'}`);
    expect(gaps(withLibrary)).toEqual([]);
    expect(a.framedExactly, a.differing.join(', ')).toBe(a.sections);
    expect(a.equalValues / a.leaves).toBeGreaterThanOrEqual(0.99);
    // The writer is among the likely versions, and the only one: every held-out machine's files can be
    // told apart (version-consensus.ts, writer-evidence.ts).
    expect(withLibrary.likelyQemu).toContain(c.version);
    expect(withLibrary.likelyQemu).toEqual([c.version]);
  });
});
