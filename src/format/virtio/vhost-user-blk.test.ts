// vhost-user-blk from the description libraries, against the true description. The libraries got
// its layout from real QEMU 7.2, 10.0 and 11.1 serving the device with qemu-storage-daemon
// (scripts/make-vmdesc-library.mjs --devices vhost-user-blk…: qemu-<v>-vhost.json), and the real
// files here come from other VMs (scripts/make-virtio-fixtures.mjs: q35 and pseries on PCI, aarch64
// virt on virtio-mmio and PCI, each a device-state file with footers, one without, and the migration
// stream of the same VM). Oracle: the stream's own JSON description (what QEMU says it wrote), used
// to decode the same device-state file; the library decode must frame every vhost-user-blk section
// the same and give every field the same offset, size and value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import type { StreamRecord } from '../model.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { decodeTwice, readVirtioFixture as read, recordLeaves as leaves, twinCases } from '../testing/virtio-twins.ts';
import { loadDescription } from '../vmdesc.ts';

/** Every device-state fixture whose VM had a vhost-user-blk device, with its twin stream. */
const CASES = twinCases((a) => /^vhost-user-blk/.test(a));

const isVub = (r: StreamRecord) => r.kind === 'section' && /(^|\/)vhost-user-blk$/.test(r.idstr ?? '');

describe('vhost-user-blk sections decoded by the libraries equal their decode with the true description', { timeout: 120_000 }, () => {
  it('covers PCI and virtio-mmio, with and without footers, on QEMU 7.2, 10.0 and 11.1', () => {
    expect(CASES.length).toBe(3 * 2 * 3);
    expect(new Set(CASES.map((c) => c.file.replace(/-.*/, '')))).toEqual(new Set(['q35', 'virt', 'pseries']));
  });

  it.each(CASES)('$name', async (c) => {
    const { v, devices } = c;
    const { withLibrary, withTruth } = await decodeTwice(c);
    const expected = withTruth.records.filter(isVub);
    // One section per device of the VM's command line (virt has one on virtio-mmio and one on PCI).
    expect(expected.length).toBe(devices);
    for (const t of expected) {
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.idstr, r.size, r.dataSize, r.footerOffset, r.exact, r.heuristic, r.problems], t.idstr).toEqual([t.idstr, t.size, t.dataSize, t.footerOffset, true, t.heuristic, []]);
      expect([r.decodedBy, r.vmsdName]).toEqual(['bundled', 'vhost-user-blk']);
      // The file's own QEMU version is among those whose library description framed it.
      expect(r.describedVersions, r.describedBy).toContain(v.replace('qemu-', ''));
      const mine = leaves(r);
      const theirs = leaves(t);
      expect(theirs.size).toBeGreaterThan(10);
      expect([...mine]).toEqual([...theirs]);
    }
  });

  // QEMU 11.1 added vhost-user-blk/inflight, sent only with inflight-migration=on and a backend
  // offering inflight I/O on GET_VRING_BASE, which qemu-storage-daemon does not: no real file has it.
  it('11.1 knows the vhost-user-blk/inflight subsection (-dump-vmstate), which no stream here carries', async () => {
    const dumped = (v: string) => {
      const d = JSON.parse(gunzipSync(readFileSync(join(FIXTURE_DIR, '../../src/format/vmdesc-library/vmstate-dumps', `qemu-${v}-q35.json.gz`))).toString('utf8')) as Record<string, { Description?: { Subsections?: { name: string }[] } }>;
      return (d['vhost-user-blk'].Description?.Subsections ?? []).map((x) => x.name);
    };
    expect(['7.2', '10.0', '11.1'].map(dumped)).toEqual([[], [], ['vhost-user-blk/inflight']]);
    for (const c of CASES) {
      const desc = await loadDescription(memorySource(read(c.v, c.truth)));
      for (const d of desc.devices.filter((x) => x.vmsd_name === 'vhost-user-blk')) expect(d.subsections ?? [], `${c.name} ${d.name}`).toEqual([]);
    }
  });
});
