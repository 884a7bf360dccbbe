// Device parts of the virtio devices added for issue 12 beyond the first seven (devices.ts): what
// each writes between its virtqueues and the vmstate_virtio subsections (hw/virtio/virtio.c
// virtio_save: vdc->save, then vmstate_save_state(vdc->vmsd)). Checked against the JSON
// description of real QEMU 7.2, 10.0 and 11.1 streams (public/fixtures/virtio/,
// scripts/make-virtio-fixtures.mjs); the same in all three unless a comment says otherwise.
//
// Nothing of their own (neither vdc->save nor vdc->vmsd):
// - virtio-gpu (hw/display/virtio-gpu.c): its resources and scanouts are a separate field of the
//   section, after `virtio` (vmstate_virtio_gpu's "virtio-gpu" field, virtio_gpu_save); virtio-vga
//   carries the same virtio-gpu section as a child of its PCI function.
// - virtio-9p (hw/9pfs/virtio-9p-device.c): open fids are not migrated; a guest mount blocks
//   migration instead (v9fs_attach adds a blocker).
// - virtio-rtc (hw/virtio/virtio-rtc.c, QEMU 11.0 on).
// - vhost-user-blk (hw/block/vhost-user-blk.c vmstate_vhost_user_blk): the backend process keeps
//   the requests; the fixtures' backend is qemu-storage-daemon.
// - vhost-user-fs (hw/virtio/vhost-user-fs.c, QEMU 10.0 and 11.1; 7.2 does not migrate it): its
//   back-end's state follows `virtio` as a subsection of the section, not inside it; the fixtures'
//   backend is virtiofsd.

import { DecodeError } from '../errors.ts';
import type { Part } from './part.ts';
import { F } from './transport.ts';

type DevicePart = (p: Part) => void;

/**
 * migration/vmstate-types.c put_gtree: be32 node count, then per node 0x01, the key (a direct key
 * as be64) and the value; 0x00 after the last. get_gtree refuses a count that disagrees with the
 * markers, so the count bounds the walk.
 */
function gtree(p: Part, name: string, vmsd: string, fill: (q: Part) => void): void {
  p.struct(name, vmsd, (t) => {
    const at = t.c.pos;
    const n = t.count('nnodes', 4, Math.floor(t.c.fileLeft / 9), 'tree nodes (each at least 9 bytes)');
    t.array('nodes', n, vmsd, (node) => {
      const marker = node.num('present', 1);
      if (marker !== 1) throw new DecodeError('bad-field', node.c.pos - 1, `0x01 before each of the ${n} tree nodes (nnodes at ${at}), found 0x${marker.toString(16)}`, `${node.prefix}present`);
      fill(node);
    });
    const end = t.num('end', 1);
    if (end !== 0) throw new DecodeError('bad-field', t.c.pos - 1, `0x00 after the last of ${n} tree nodes, found 0x${end.toString(16)}`, `${t.prefix}end`);
  });
}

/**
 * hw/virtio/virtio-iommu.c vmstate_virtio_iommu_device (version 2 in 7.2, 3 in 10.0 and 11.1 with
 * the same fields): the domains (a GTree with direct keys of vmstate_domain: id, its mappings, a
 * GTree keyed by vmstate_interval_mapping's low/high to phys_addr/flags, and its endpoint list, a
 * QLIST of endpoint ids), then config.bypass.
 */
const iommu: DevicePart = (p) => {
  p.struct('virtio-iommu-device', 'virtio-iommu-device', (d) => {
    gtree(d, 'domains', 'domain', (dom) => {
      dom.leaf('key', 'uint64', 8);
      dom.num('id', 4);
      gtree(dom, 'mappings', 'interval', (m) => m.body({ fields: [F.u64('low'), F.u64('high'), F.u64('phys_addr'), F.u32('flags')] }));
      dom.body({ fields: [{ name: 'endpoint_list', type: 'qlist', size: 0, vmsd_name: 'endpoint', version: 1, fields: [F.u32('id')] }] });
    });
    d.num('config.bypass', 1);
  });
};

const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;

/**
 * hw/virtio/virtio-mem.c vmstate_virtio_mem_device. With early migration (x-early-migration, on
 * for machine types 8.0 and later) the sanity checks, `size` and the plug bitmap went out before
 * RAM in the virtio-mem-device-early section, and this part is usable_region_size and
 * requested_size only (virtio_mem_vmstate_field_exists). Without it (QEMU 7.2, or an older machine
 * type): vmstate_virtio_mem_sanity_checks (addr, region_size, block_size, node), usable_region_size,
 * size, requested_size and the bitmap (VMSTATE_BITMAP: region_size / block_size bits in be64
 * words). Which one a file holds is not written anywhere, so the sanity block decides: its
 * block_size is a power of two (virtio_mem_device_realize) and divides region_size, which the
 * early form's bytes after 16 (a subsection marker or the section's end) never are.
 */
const mem: DevicePart = (p) => {
  const head = p.c.peek(28);
  const view = head ? new DataView(head.buffer, head.byteOffset, 28) : null;
  const region = view?.getBigUint64(8) ?? 0n;
  const block = view?.getBigUint64(16) ?? 0n;
  const full = isPowerOfTwo(block) && block >= 4096n && region % block === 0n && region / block <= BigInt(p.c.fileLeft * 8);
  p.struct('virtio-mem-device', 'virtio-mem-device', (d) => {
    if (!full) {
      d.body({ fields: [F.u64('usable_region_size'), F.u64('requested_size')] });
      return;
    }
    d.struct('tmp', 'virtio-mem-device/sanity-checks', (s) => s.body({ fields: [F.u64('addr'), F.u64('region_size'), F.u64('block_size'), F.u32('node')] }));
    d.body({ fields: [F.u64('usable_region_size'), F.u64('size'), F.u64('requested_size')] });
    const bits = Number(region / block);
    d.leaf('bitmap', 'bitmap', Math.ceil(bits / 64) * 8);
  });
};

const NONE: DevicePart = () => {};

export const MORE_DEVICES: Record<string, DevicePart> = {
  'virtio-gpu': NONE,
  'virtio-9p': NONE,
  'virtio-rtc': NONE,
  'vhost-user-blk': NONE,
  'vhost-user-fs': NONE,
  'virtio-iommu': iommu,
  'virtio-mem': mem,
};
