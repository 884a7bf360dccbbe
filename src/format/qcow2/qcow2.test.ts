// qcow2 images made by real QEMU 7.2 `savevm` (scripts/make-qcow2-fixtures.mjs). The oracles are
// QEMU's own: `qemu-img info --output=json` for the snapshot table, and the stream QEMU writes when
// it restores each snapshot (-loadvm) and migrates, for the VM state read from the image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { findField } from '../edit/find.ts';
import type { StreamModel } from '../model.ts';
import { scanStream } from '../scan.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { findSnapshot, openQcow2, vmStateSource } from './index.ts';

const DIR = join(FIXTURE_DIR, 'qcow2');
interface ImageEntry {
  file: string; gz: string; machine: string; clusterSize: number; compat: string;
  snapshots: { id: string; name: string; 'date-sec': number; 'date-nsec': number; 'vm-clock-sec': number; 'vm-clock-nsec': number; 'vm-state-size': number }[];
  streams: Record<string, string>;
}
const manifest: { images: ImageEntry[] } = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const unpack = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(DIR, name))));

/** Device sections (FULL) by label with their data bytes, read from the stream they came from. */
async function deviceSections(bytes: Uint8Array, model: StreamModel): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const r of model.records) {
    if (r.kind !== 'section' || r.sectionType !== 'full') continue;
    out.set(`${r.idstr} (${r.instanceId}) v${r.versionId}`, bytes.subarray(r.dataOffset!, r.dataOffset! + r.dataSize!));
  }
  return out;
}

describe.each(manifest.images.map((e) => [e.file, e] as const))('%s', (_file, entry) => {
  const image = unpack(entry.gz);

  it('lists the snapshots qemu-img lists: id, name, date, VM clock and VM state size', async () => {
    const img = await openQcow2(memorySource(image));
    expect(img.header.version).toBe(entry.compat === '0.10' ? 2 : 3);
    expect(2 ** img.header.clusterBits).toBe(entry.clusterSize);
    expect(img.snapshots.map((s) => [s.id, s.name, s.dateSec, s.dateNsec, s.vmClockNsec, s.vmStateSize])).toEqual(
      entry.snapshots.map((s) => [s.id, s.name, s['date-sec'], s['date-nsec'], s['vm-clock-sec'] * 1e9 + s['vm-clock-nsec'], s['vm-state-size']]),
    );
  });

  for (const [snap, streamFile] of Object.entries(entry.streams)) {
    it(`snapshot ${snap}: the VM state holds the device sections QEMU migrates after -loadvm ${snap}, byte for byte`, async () => {
      const img = await openQcow2(memorySource(image));
      const state = vmStateSource(memorySource(image), img, findSnapshot(img, snap)!);
      const stateBytes = await state.read(0, state.size);
      const fromImage = (await scanStream(memorySource(stateBytes))).model;
      expect(fromImage.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(fromImage.complete).toBe(true);
      expect(fromImage.variant).toBe('migration');
      const stream = unpack(streamFile);
      const fromQemu = (await scanStream(memorySource(stream))).model;
      const a = await deviceSections(stateBytes, fromImage);
      const b = await deviceSections(stream, fromQemu);
      expect([...a.keys()]).toEqual([...b.keys()]);
      expect(a.size).toBeGreaterThan(10);
      for (const [label, bytes] of a) expect(Buffer.from(bytes).equals(Buffer.from(b.get(label)!)), label).toBe(true);
      expect(fromImage.ramBlocks.map((r) => [r.name, r.length])).toEqual(fromQemu.ramBlocks.map((r) => [r.name, r.length]));
    });
  }
});

describe('pc-v3.qcow2', () => {
  const entry = manifest.images.find((e) => e.file === 'pc-v3.qcow2')!;
  const image = unpack(entry.gz);
  const cmos = async (snap: string) => {
    const img = await openQcow2(memorySource(image));
    const state = vmStateSource(memorySource(image), img, findSnapshot(img, snap)!);
    const model = (await scanStream(state)).model;
    const data = findField(model, 'mc146818rtc (0)/cmos_data')!.node;
    const [byte63] = await state.read(data.offset + 63, 1);
    return [byte63, findField(model, 'mc146818rtc (0)/cmos_index')?.node.value];
  };

  it('the CMOS byte written through ports 0x70/0x71 between the two snapshots is in the second state only', async () => {
    expect(await cmos('before')).toEqual([0, 0]);
    expect(await cmos('after')).toEqual([0x5a, 0x3f]);
  });

  it('shows the disk-only snapshot with no VM state, and finds snapshots by id and #N', async () => {
    const img = await openQcow2(memorySource(image));
    expect(findSnapshot(img, 'disk-only')?.vmStateSize).toBe(0);
    expect(findSnapshot(img, '2')?.name).toBe('after');
    expect(findSnapshot(img, '#1')?.name).toBe('before');
    expect(findSnapshot(img, 'nope')).toBeUndefined();
  });
});

describe('pc-holes.qcow2 (4 KiB clusters, holes punched before the save)', () => {
  const entry = manifest.images.find((e) => e.file === 'pc-holes.qcow2')!;
  const image = unpack(entry.gz);

  it('stores the VM state in several extents, and reads across them equal one whole read', async () => {
    const img = await openQcow2(memorySource(image));
    const state = vmStateSource(memorySource(image), img, img.snapshots[0]);
    const extents = await state.extents();
    expect(extents.length).toBeGreaterThan(1);
    const whole = await state.read(0, state.size);
    // Each extent's bytes are the image's bytes at its host offset.
    for (const e of extents) expect(Buffer.from(whole.subarray(e.offset, e.offset + e.length)).equals(Buffer.from(image.subarray(e.host, e.host + e.length)))).toBe(true);
    // Unaligned reads that straddle extents agree with the whole read.
    for (const [o, n] of [[1, 5000], [4095, 2], [extents[1].offset - 3, 10], [state.size - 7, 100]]) {
      expect(Buffer.from(await state.read(o, n)).equals(Buffer.from(whole.subarray(o, o + n)))).toBe(true);
    }
    const ranges = await state.hostRanges(extents[1].offset - 3, 10);
    expect(ranges.map((r) => r.length).reduce((a, b) => a + b)).toBe(10);
  });
});
