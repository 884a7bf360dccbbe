// TPM devices from the description libraries, against the true description. The libraries got their
// layouts from real QEMU 7.2, 10.0 and 11.1 serving each TPM front-end with a fresh swtpm of the same
// Debian release (scripts/make-vmdesc-library.mjs --devices tpm-…: qemu-<v>-tpm.json), and the real
// files here come from other VMs (scripts/make-tpm-fixtures.mjs: tpm-tis on pc and q35, tpm-crb on
// q35, tpm-tis-device on aarch64 virt, tpm-spapr on pseries; each a device-state file with footers,
// one without, and the migration stream of the same VM). Oracle: the stream's own JSON description
// (what QEMU says it wrote), used to decode the same device-state file; the library decode must frame
// every section the same and give every TPM field (the front-end's and the tpm-emulator section's
// swtpm state blobs) the same offset, size and value.
//
// swtpm's blobs are VMS_VBUFFERs whose sizes QEMU writes just before them, while a generated library
// holds the sizes its probe saw (an empty TPM: permanent 1321 bytes, volatile 8800). A TPM that
// libvirt manufactured (swtpm_setup: EK and platform certificates) has a larger permanent blob and a
// smaller volatile one (`tpm-crb-q35-manufactured`): the packed libraries read each blob at the
// length the file gives (scripts/library/variable-lengths.mjs), and without that the decoder still
// frames the section by its footer or the next header and says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StreamRecord } from './model.ts';
import { FIXTURE_DIR } from './testing/fixtures.ts';
import { agreement } from './testing/libraries.ts';
import { createLibrary, type LibraryJson } from './library.ts';
import { memorySource } from './byte-source.ts';
import { scanBytes } from './testing/fixtures.ts';
import { libraryJsons } from './testing/libraries.ts';
import { decodeTwice, readVirtioFixture, recordLeaves as leaves, twinCases } from './testing/virtio-twins.ts';
import { loadDescription } from './vmdesc.ts';

const LIBRARY_DIR = join(FIXTURE_DIR, '../../src/format/vmdesc-library');
const CASES = twinCases((a) => /tpmdev=/.test(a), 'tpm');
const isTpm = (r: StreamRecord) => r.kind === 'section' && /^tpm-(emulator|tis|crb|spapr)$/.test(r.vmsdName ?? '');
const MANUFACTURED = /manufactured/;
/**
 * Sections outside the TPM whose leaves differ while their framing is exact (not TPM layouts): the
 * 10.0/11.1 files' globalstate, pl011 and pseries cpu get a 7.2 description of the same size (in VMs
 * this small nothing tells the versions apart), and pseries' spapr_nvram ends, without footers, at a
 * header-like byte run (the known heuristic case, virtio-state.test.ts).
 */
const NOT_TPM_DIFFERING = new Set(['globalstate', 'pl011', 'cpu', 'nvram@71000000/spapr_nvram']);

const manifest = (v: string) => (JSON.parse(readFileSync(join(FIXTURE_DIR, 'tpm', v, 'manifest.json'), 'utf8')) as { fixtures: { file: string; blobs?: Record<string, number> }[] }).fixtures;
const blobsOf = (v: string, stream: string) => manifest(v).find((f) => f.file === stream)!.blobs!;

describe('TPM sections decoded by the libraries equal their decode with the true description', { timeout: 180_000 }, () => {
  it('covers every TPM front-end of pc, q35, virt and pseries on QEMU 7.2, 10.0 and 11.1, with and without footers', () => {
    expect(CASES.length).toBe(3 * 7 * 2);
    expect(new Set(CASES.map((c) => c.v))).toEqual(new Set(['qemu-7.2', 'qemu-10.0', 'qemu-11.1']));
    expect(new Set(CASES.map((c) => c.machine))).toEqual(new Set(['tpm-tis-pc', 'tpm-tis-q35', 'tpm-crb-q35', 'tpm-crb-q35-manufactured', 'tpm-tis-pc-manufactured', 'tpm-virt', 'tpm-pseries']));
    // Each QEMU served by the swtpm of its own Debian release.
    expect(new Set(CASES.map((c) => `${c.v} ${/version ([\d.]+)/.exec(c.swtpm ?? '')?.[1]}`))).toEqual(new Set(['qemu-7.2 0.7.1', 'qemu-10.0 0.7.1', 'qemu-11.1 0.10.2']));
  });

  let tpmLeaves = 0;
  let tpmSections = 0;
  it.each(CASES)('$name', async (c) => {
    const { withLibrary, withTruth } = await decodeTwice(c);
    const a = agreement(withLibrary, withTruth);
    // Every section of the file, TPM or not, frames exactly as with the true description.
    expect(a.framedExactly).toBe(a.sections);
    expect(a.differing.filter((idstr) => !NOT_TPM_DIFFERING.has(idstr))).toEqual([]);
    expect(a.equalValues / a.leaves).toBeGreaterThan(0.99);
    const expected = withTruth.records.filter(isTpm);
    // The front-end and the backend's tpm-emulator section.
    expect(expected.map((t) => t.vmsdName).sort()).toEqual([...new Set(['tpm-emulator', c.machine.includes('crb') ? 'tpm-crb' : c.machine.includes('pseries') ? 'tpm-spapr' : 'tpm-tis'])].sort());
    for (const t of expected) {
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.idstr, r.size, r.dataSize, r.footerOffset, r.exact, r.heuristic], t.idstr).toEqual([t.idstr, t.size, t.dataSize, t.footerOffset, true, t.heuristic]);
      expect([r.decodedBy, r.vmsdName]).toEqual(['bundled', t.vmsdName]);
      expect(r.describedVersions, r.describedBy).toContain(c.v.replace('qemu-', ''));
      expect(r.problems).toEqual([]);
      const theirs = leaves(t);
      expect([...leaves(r)]).toEqual([...theirs]);
      tpmLeaves += theirs.size;
      tpmSections++;
    }
  });

  it('counted every TPM leaf', () => {
    // 14 files of each version: tpm-emulator has 9 leaves (3 blobs, their sizes and flags), tpm-tis
    // 35, tpm-crb 32, tpm-spapr 10.
    expect([tpmSections, tpmLeaves]).toEqual([84, 3 * 2 * (9 * 7 + 35 * 4 + 32 * 2 + 10)]);
  });

  it('a manufactured TPM\'s permanent blob is not the size the library\'s probes saw', () => {
    for (const v of ['7.2', '10.0', '11.1']) {
      const lib = JSON.parse(readFileSync(join(LIBRARY_DIR, `qemu-${v}-tpm.json`), 'utf8')) as LibraryJson;
      const probed = lib.vmsds['tpm-emulator'].versions['0'].map((d) => d.fields.find((f) => f.name === 'state_blobs.permanent.buffer')!.size);
      const blobs = blobsOf(`qemu-${v}`, 'tpm-crb-q35-manufactured-migration.bin.gz');
      // EK and platform certificates: 6005 bytes with swtpm 0.7.1, 6653 with 0.10.2.
      expect([probed, blobs.permanent > 5000]).toEqual([[1321], true]);
    }
  });

  // Without the length rule (a library that kept the probe's sizes, as QEMU wrote them) the decoder
  // reads the blobs at the probe's sizes, finds the section's end by its footer or, without footers,
  // by the next section header, and says so. The sizes QEMU wrote before the first blob decode
  // right, so the real size is on screen; the blobs after it do not.
  const fixedSizes = (jsons: LibraryJson[]) => {
    for (const j of jsons) {
      for (const variants of Object.values(j.vmsds['tpm-emulator']?.versions ?? {})) {
        for (const d of variants) for (const f of d.fields) if (f.size_from) (delete f.size_from, (f.size = f.name.includes('permanent') ? 1321 : f.name.includes('volatil') ? 8800 : 0));
      }
    }
    return jsons;
  };
  it.each(CASES.filter((c) => MANUFACTURED.test(c.machine)))('$name with the probe\'s fixed blob sizes: framed by footer or next header and flagged', async (c) => {
    const bytes = readVirtioFixture(c.v, c.file, 'tpm');
    const withTruth = await scanBytes(bytes, { vmdesc: await loadDescription(memorySource(readVirtioFixture(c.v, c.truth, 'tpm'))) });
    const withLibrary = await scanBytes(bytes, { library: createLibrary(fixedSizes(libraryJsons('x86_64'))) });
    const a = agreement(withLibrary, withTruth);
    expect(a.framedExactly).toBe(a.sections);
    expect(a.differing.filter((idstr) => !NOT_TPM_DIFFERING.has(idstr))).toEqual(['tpm-emulator']);
    const footers = !c.file.includes('nofooter');
    const t = withTruth.records.find((x) => x.vmsdName === 'tpm-emulator')!;
    const r = withLibrary.records.find((x) => x.offset === t.offset)!;
    expect([r.idstr, r.size, r.dataSize, r.footerOffset]).toEqual([t.idstr, t.size, t.dataSize, t.footerOffset]);
    expect(r.problems.map((p) => p.code)).toEqual(footers ? ['size-mismatch'] : ['size-mismatch', 'heuristic-boundary']);
    expect(r.problems[0].message).toMatch(footers ? /found by the footer/ : /found by the next section header/);
    expect([r.exact, r.heuristic]).toEqual(footers ? [true, t.heuristic] : [false, true]);
    const mine = leaves(r);
    const theirs = [...leaves(t)];
    // permanent_flags and permanent.size (QEMU's own size of the first blob) decode right.
    expect(theirs.slice(0, 2).map(([k, v]) => mine.get(k) === v)).toEqual([true, true]);
    expect(theirs[1][1]).toBe(String(blobsOf(c.v, c.truth).permanent));
  });

  it('records the TPM devices QEMU would not start in these probes, with QEMU\'s message, and no layout for them', () => {
    for (const v of ['7.2', '10.0', '11.1']) {
      const lib = JSON.parse(readFileSync(join(LIBRARY_DIR, `qemu-${v}-tpm.json`), 'utf8')) as { vmsds: Record<string, unknown>; probes: Record<string, { migrated: string[]; failed: Record<string, string> }> };
      expect(Object.keys(lib.vmsds).filter((n) => n.startsWith('tpm')).sort()).toEqual(['tpm-crb', 'tpm-emulator', 'tpm-spapr', 'tpm-tis']);
      expect(lib.probes['x86_64-pc'].migrated.sort()).toEqual(['tpm-crb', 'tpm-tis']);
      expect(lib.probes['x86_64-q35'].migrated.sort()).toEqual(['tpm-crb', 'tpm-tis']);
      expect(lib.probes['aarch64-virt'].migrated).toEqual(['tpm-tis-device']);
      expect(lib.probes['ppc64-pseries'].migrated).toEqual(['tpm-spapr']);
      // spapr-tpm-proxy forwards to a host TPM device (/dev/tpmrm0): nothing to give it here.
      expect(lib.probes['ppc64-pseries'].failed['spapr-tpm-proxy']).toBe("start: -device spapr-tpm-proxy,id=probe-dev: must specify 'host-path' option for device");
      // tpm-tis-i2c (QEMU ≥ 8.1) needs an I²C bus, which virt does not have.
      if (v === '7.2') expect(lib.probes['aarch64-virt'].failed['tpm-tis-i2c']).toBeUndefined();
      else expect(lib.probes['aarch64-virt'].failed['tpm-tis-i2c']).toMatch(/^start: .*No 'i2c-bus' bus found for device/);
    }
  });
});
