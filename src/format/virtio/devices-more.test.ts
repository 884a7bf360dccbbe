// The device parts of devices-more.ts and gpu.ts, one rule each, on real states (QEMU 7.2, 10.0,
// 11.1 files of scripts/make-virtio-fixtures.mjs): the values the VM was started with (its command
// line is the oracle: manifest.json), and real states changed the way QEMU would write them with a
// guest that had used the device (a domain with a mapping, a 2D resource), which the stopped VMs
// of the fixtures cannot have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { Cursor } from '../cursor.ts';
import { walkFields } from '../edit/find.ts';
import type { FieldNode } from '../model.ts';
import { FIXTURE_DIR, scanBytes } from '../testing/fixtures.ts';
import { loadDescription } from '../vmdesc.ts';
import { newContext } from '../vmsd-decoder.ts';
import { decodeGpuState } from './gpu.ts';
import { decodeVirtioState } from './virtio-state.ts';

const file = (v: string, name: string) => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'virtio', `qemu-${v}`, name))));

/** The bytes of field `type` of section `idstr` in a real migration stream, and its described size. */
async function realField(v: string, idstr: string, type: 'virtio' | 'virtio-gpu') {
  const bytes = file(v, 'q35-migration.bin.gz');
  const desc = await loadDescription(memorySource(bytes));
  const model = await scanBytes(bytes, { vmdesc: desc });
  const r = model.records.find((x) => x.idstr === idstr)!;
  const n = r.fields!.find((f) => f.type === type)!;
  return { blob: bytes.slice(n.offset, n.offset + n.size), vmsd: r.vmsdName!, size: n.size };
}

const cursor = (b: Uint8Array) => new Cursor({ bytes: b, base: 0, atEnd: true, fileSize: b.length }, 0);
function decode(blob: Uint8Array, idstr: string, vmsd: string) {
  const c = cursor(blob);
  const nodes = decodeVirtioState(c, idstr, vmsd, 'v.', newContext(false));
  return { nodes, end: c.pos };
}
const find = (nodes: FieldNode[], path: string) => [...walkFields(nodes)].find((n) => n.path === `v.${path}`);
const splice = (b: Uint8Array, at: number, remove: number, insert: number[]) => Uint8Array.from([...b.subarray(0, at), ...insert, ...b.subarray(at + remove)]);
const be = (n: number | bigint, bytes: number) => Array.from({ length: bytes }, (_, i) => Number((BigInt(n) >> BigInt(8 * (bytes - 1 - i))) & 0xffn));

describe('virtio device parts learned for issue 12', () => {
  it('virtio-mem in QEMU 7.2 (no early migration): sanity checks with the memdev size, 2 MiB blocks, the device-memory base, and a 64-bit plug bitmap', async () => {
    const idstr = '0000:00:05.0/virtio-mem';
    const { blob, vmsd } = await realField('7.2', idstr, 'virtio');
    const { nodes, end } = decode(blob, idstr, vmsd);
    expect(end).toBe(blob.length);
    // -object memory-backend-memfd,id=vmem0,size=128M; q35's device memory starts at 4 GiB (-m 64M: no RAM above 4 GiB).
    expect(['addr', 'region_size', 'block_size'].map((k) => find(nodes, `virtio-mem-device.tmp.${k}`)!.value)).toEqual([2 ** 32, 128 << 20, 2 << 20]);
    expect(find(nodes, 'virtio-mem-device.bitmap')!.size).toBe(8);
  });

  it.each(['10.0', '11.1'])('virtio-mem in QEMU %s (early migration): only usable_region_size and requested_size here', async (v) => {
    const idstr = '0000:00:05.0/virtio-mem';
    const { blob, vmsd } = await realField(v, idstr, 'virtio');
    const { nodes, end } = decode(blob, idstr, vmsd);
    expect(end).toBe(blob.length);
    expect(find(nodes, 'virtio-mem-device')!.children!.map((n) => [n.name, n.size])).toEqual([['usable_region_size', 8], ['requested_size', 8]]);
  });

  it('virtio-iommu: a domain with one mapping and one endpoint (GTree count, 01 markers, key, QLIST) decodes and ends where it should', async () => {
    const idstr = '0000:00:04.0/virtio-iommu';
    const { blob, vmsd } = await realField('10.0', idstr, 'virtio');
    const { nodes } = decode(blob, idstr, vmsd);
    const domains = find(nodes, 'virtio-iommu-device.domains')!;
    expect(find(nodes, 'virtio-iommu-device.domains.nnodes')!.value).toBe(0);
    const mapping = [1, ...be(0x1000, 8), ...be(0x1fff, 8), ...be(0xabc000, 8), ...be(3, 4)];
    const domain = [1, ...be(7, 8), ...be(7, 4), ...be(1, 4), ...mapping, 0, 1, ...be(0x18, 4), 0];
    const changed = splice(blob, domains.offset, 5, [...be(1, 4), ...domain, 0]);
    const out = decode(changed, idstr, vmsd);
    expect(out.end).toBe(changed.length);
    expect(find(out.nodes, 'virtio-iommu-device.domains.nodes[0].id')!.value).toBe(7);
    expect(find(out.nodes, 'virtio-iommu-device.domains.nodes[0].mappings.nodes[0].phys_addr')!.value).toBe(0xabc000);
    expect(find(out.nodes, 'virtio-iommu-device.domains.nodes[0].endpoint_list')!.children!.length).toBe(1);
    expect(find(out.nodes, 'virtio-iommu-device.config.bypass')!.value).toBe(1);
    // A count that the markers contradict is refused, naming the offset (get_gtree reads exactly that many).
    const lying = splice(blob, domains.offset, 4, be(1, 4));
    expect(() => decode(lying, idstr, vmsd)).toThrow(/0x01 before each of the 1 tree nodes/);
  });

  it('virtio-gpu field: a 2D resource (id, 2x3, format, one backing entry, 2*4*3 image bytes) before the end marker and the scanouts', async () => {
    const { blob, size } = await realField('10.0', '0000:00:01.0/virtio-gpu', 'virtio-gpu');
    const resource = [...be(5, 4), ...be(2, 4), ...be(3, 4), ...be(1, 4), ...be(1, 4), ...be(0x80000, 8), ...be(24, 4), ...new Array(24).fill(0x5a)];
    const changed = Uint8Array.from([...resource, ...blob]);
    const c = cursor(changed);
    const nodes = decodeGpuState(c, 'v.', newContext(false), size + resource.length);
    expect(c.pos).toBe(changed.length);
    expect(find(nodes, 'resources[0].image')!.size).toBe(24);
    expect(find(nodes, 'scanouts.conf.max_outputs')!.value).toBe(2);
  });

  it('virtio-gpu field: the described size gives how many scanouts carry framebuffer fields (QEMU 10.0 virt, max_outputs=3: 64+40+64 bytes)', async () => {
    const bytes = file('10.0', 'virt-migration.bin.gz');
    const desc = await loadDescription(memorySource(bytes));
    const model = await scanBytes(bytes, { vmdesc: desc });
    const n = model.records.find((x) => x.idstr === 'virtio-mmio@000000000a003e00/virtio-gpu')!.fields!.find((f) => f.type === 'virtio-gpu')!;
    expect(n.size).toBe(180);
    const scanouts = [...walkFields([n])].filter((k) => /scanout\[\d\]$/.test(k.path)).map((k) => k.size);
    expect(scanouts.sort()).toEqual([40, 64, 64]);
  });
});
