// The transport's parts of a virtio device's state (hw/virtio/virtio.c virtio_save calls the bus's
// save_config first, save_queue after each virtqueue, and save_extra_state in the
// virtio/extra_state subsection). Each transport writes different bytes:
// - PCI (hw/virtio/virtio-pci.c virtio_pci_save_config / virtio_pci_save_queue): the PCIDevice
//   state (hw/pci/pci.c vmstate_pci_device: 256 config bytes, 4096 on PCI Express), the MSI-X
//   table and pending bits (hw/pci/msix.c msix_save), the config vector when MSI-X is on; a queue
//   ends with its MSI-X vector when MSI-X is on. Extra state: vmstate_virtio_pci and its
//   virtio_pci/modern_state subsection (1024 queue entries, VIRTIO_QUEUE_MAX).
// - CCW (hw/s390x/virtio-ccw.c vmstate_virtio_ccw_dev, hw/s390x/css.c vmstate_subch_dev): the
//   subchannel, three indicator addresses, config vector, adapter routes, ISC and revision; a
//   queue ends with its vector (virtio_ccw_save_queue). No extra state.
// - MMIO (hw/virtio/virtio-mmio.c virtio_mmio_save_config): three be32; the bus has variable
//   vring alignment, so a queue entry carries `align` after `num`, and no vector. Extra state
//   (non-legacy devices only): vmstate_virtio_mmio's virtio_mmio/state subsection.

import type { VmdescField, VmsdDesc } from '../vmdesc.ts';

export type VirtioTransport = 'pci' | 'ccw' | 'mmio';

/** VIRTIO_QUEUE_MAX (include/hw/virtio/virtio.h): the loader refuses more queues, extra state has this many. */
export const VIRTIO_QUEUE_MAX = 1024;

/**
 * The transport a virtio section sits on, from its idstr (the qdev path QEMU builds, hw/core/qdev.c
 * qdev_get_dev_path): a PCI address "0000:00:03.0/…" or "pci@800000020000000:00.0/…" (sPAPR), a CCW bus id "/fe.0.0000/…", or
 * "virtio-mmio@000000000a003e00/…" (virtio_mmio_bus_get_dev_path). Null for anything else.
 */
export function virtioTransport(idstr: string): VirtioTransport | null {
  if (/(^|\/)virtio-mmio@[0-9a-f]+\//.test(idstr)) return 'mmio';
  if (/^\/[0-9a-f]{1,2}\.[0-3]\.[0-9a-f]{4}\//.test(idstr)) return 'ccw';
  // PCI: the host bridge's root (domain:bus, or sPAPR's "pci@BUID") then ":slot.fn" per bus level.
  if (/^(?:[0-9a-f]{4}:[0-9a-f]{2}|pci@[0-9a-f]+)(?::[0-9a-f]{2}\.[0-7])+\//.test(idstr)) return 'pci';
  return null;
}

const u8 = (name: string): VmdescField => ({ name, type: 'uint8', size: 1 });
const u16 = (name: string): VmdescField => ({ name, type: 'uint16', size: 2 });
const u32 = (name: string): VmdescField => ({ name, type: 'uint32', size: 4 });
const u64 = (name: string): VmdescField => ({ name, type: 'uint64', size: 8 });
const bool = (name: string): VmdescField => ({ name, type: 'bool', size: 1 });
const bytes = (name: string, size: number, type = 'buffer'): VmdescField => ({ name, type, size });
/** VMSTATE_UINT32_ARRAY: `n` be32 elements under one name. */
const u32s = (name: string, n: number): VmdescField => ({ name, type: 'uint32', size: 4, array_len: n });
/**
 * A VIRTIO_QUEUE_MAX array of per-queue structs of one vmsd, as QEMU writes it whatever the queue
 * count. The first `used` elements (the device's queues) decode field by field; the slots past them
 * belong to no queue and are zeros as QEMU writes them, so each is one leaf of its bytes: a tenth
 * of the nodes, nothing hidden (an unexpected non-zero byte still shows).
 */
export function queueArray(name: string, used: number, vmsd: string, fields: VmdescField[]): VmdescField[] {
  const size = fields.reduce((s, f) => s + f.size * (f.array_len ?? 1), 0);
  const n = Math.min(used, VIRTIO_QUEUE_MAX);
  return [
    { name, type: 'struct', array_len: n, size, struct: { vmsd_name: vmsd, version: 1, fields } },
    // Same name: the vmsd decoder continues the array (vmsd-decoder.ts decodeFields).
    { name, type: 'buffer', array_len: VIRTIO_QUEUE_MAX - n, size },
  ];
}
export const F = { u8, u16, u32, u64, bool, bytes, u32s };

/** Offset of capability `id` in a PCI config space's capability list, -1 when absent. */
export function pciCapability(config: Uint8Array, id: number): number {
  let cap = config[0x34] & 0xfc;
  for (let hops = 0; cap && hops < 48; hops++) {
    if (config[cap] === id) return cap;
    cap = config[cap + 1] & 0xfc;
  }
  return -1;
}

/** MSI-X table size from the PCI capability list (capability id 0x11), 0 without MSI-X. */
export function msixVectors(config: Uint8Array): number {
  const cap = pciCapability(config, 0x11);
  return cap < 0 ? 0 : ((config[cap + 2] | (config[cap + 3] << 8)) & 0x7ff) + 1;
}

/** hw/pci/pci.c vmstate_pci_device: version_id (int32 le), config, irq_state. */
export const pciDeviceFields = (configSize: number): VmdescField[] => [
  { name: 'version_id', type: 'int32 le', size: 4 },
  bytes('config', configSize, 'pci config'),
  bytes('irq_state', 16, 'pci irq state'),
];

/** virtio_pci_save_config after the PCIDevice state: msix_save, then the config vector. */
export const pciMsixFields = (vectors: number): VmdescField[] =>
  vectors ? [bytes('msix_table', vectors * 16, 'msix state'), bytes('msix_pba', Math.ceil(vectors / 8), 'msix state'), u16('config_vector')] : [];

/**
 * vmstate_virtio_ccw_dev (one vmsd whose nested structs' subsections follow their fields): the
 * subchannel (vmstate_subch_dev: ids, SCHIB 52 bytes, sense data, channel program, last CCW1,
 * SenseId 256 bytes, flags; subsection s390_subch_dev/orb), the indicators (12 bytes each,
 * vmstate_ind_addr), config vector, adapter routes (vmstate_adapter_routes: the adapter info,
 * subsection s390_adapter_info/summary_offset), ISC and revision.
 */
export const CCW_DEV: VmsdDesc = {
  vmsd_name: 's390_virtio_ccw_dev',
  version: 1,
  fields: [
    {
      name: 'parent_obj.sch', type: 'struct', size: 366, struct: {
        vmsd_name: 's390_subch_dev', version: 1,
        fields: [
          { name: 'cssid', type: 'uint8 equal', size: 1 }, { name: 'ssid', type: 'uint8 equal', size: 1 }, u16('migrated_schid'),
          { name: 'devno', type: 'uint16 equal', size: 2 }, bool('thinint_active'), bytes('curr_status', 52), bytes('sense_data', 32),
          u64('channel_prog'), bytes('last_cmd', 8), bool('last_cmd_valid'), bytes('id', 256), bool('ccw_fmt_1'), u8('ccw_no_data_cnt'),
        ],
        subsections: [{
          vmsd_name: 's390_subch_dev/orb', version: 1,
          fields: [{ name: 'orb', type: 'struct', size: 12, struct: { vmsd_name: 's390_orb', version: 1, fields: [u32('intparm'), u16('ctrl0'), u8('lpm'), u8('ctrl1'), u32('cpa')] } }],
        }],
      },
    },
    bytes('indicators', 12), bytes('indicators2', 12), bytes('summary_indicator', 12),
    u16('config_vector'),
    {
      name: 'routes.adapter', type: 'struct', size: 8, struct: {
        vmsd_name: 's390_adapter_info', version: 1, fields: [u64('ind_offset')],
        subsections: [{ vmsd_name: 's390_adapter_info/summary_offset', version: 1, fields: [u32('summary_offset')] }],
      },
    },
    u8('thinint_isc'), { name: 'revision', type: 'int32', size: 4 },
  ],
};

/** The fields a transport adds to each saved virtqueue after vring.num (virtio_save, save_queue). */
export function queueFields(transport: VirtioTransport, msix: boolean): VmdescField[] {
  const fields = [u32('vring.num')];
  if (transport === 'mmio') fields.push(u32('vring.align'));
  fields.push(u64('vring.desc'), u16('last_avail_idx'));
  if (transport === 'ccw' || (transport === 'pci' && msix)) fields.push(u16('vector'));
  return fields;
}

/**
 * What the transport's save_extra_state writes inside the virtio/extra_state subsection: a vmsd
 * with no fields and one subsection (virtio-pci.c vmstate_virtio_pci_modern_state_sub,
 * virtio-mmio.c vmstate_virtio_mmio_state_sub). CCW has none.
 */
export function extraState(transport: VirtioTransport, queues: number): VmdescField | null {
  if (transport === 'pci') {
    const queue = [u16('num'), bytes('unused', 1, 'unused_buffer'), bool('enabled'), u32s('desc', 2), u32s('avail', 2), u32s('used', 2)];
    return {
      name: 'extra_state', type: 'struct', size: 0, struct: {
        vmsd_name: 'virtio_pci', version: 1,
        subsections: [{
          vmsd_name: 'virtio_pci/modern_state', version: 1,
          fields: [u32('dfselect'), u32('gfselect'), u32s('guest_features', 2), ...queueArray('vqs', queues, 'virtio_pci/modern_queue_state', queue)],
        }],
      },
    };
  }
  if (transport === 'mmio') {
    const queue = [u16('num'), bool('enabled'), u32s('desc', 2), u32s('avail', 2), u32s('used', 2)];
    return {
      name: 'extra_state', type: 'struct', size: 0, struct: {
        vmsd_name: 'virtio_mmio', version: 1,
        subsections: [{
          vmsd_name: 'virtio_mmio/state', version: 1,
          fields: [u32s('guest_features', 2), ...queueArray('vqs', queues, 'virtio_mmio/queue_state', queue)],
        }],
      },
    };
  }
  return null;
}
