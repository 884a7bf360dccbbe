// What each virtio device writes between its virtqueues and the vmstate_virtio subsections
// (hw/virtio/virtio.c virtio_save: vdc->save, then vdc->vmsd), keyed by the vmsd name that names
// its section. Devices with neither (virtio-rng, virtio-scsi, virtio-input) write nothing here; a
// device not listed is not decoded (the caller shows its state as bytes, as before).

import { DecodeError } from '../errors.ts';
import type { VmdescField } from '../vmdesc.ts';
import { MORE_DEVICES } from './devices-more.ts';
import type { Part } from './part.ts';
import { F } from './transport.ts';

/** What the device part may depend on, read from the state before it. */
export interface DeviceFacts {
  /** The low 32 bits of the negotiated features (virtio_save's guest_features_lo). */
  guestFeatures: number;
  /** Saved virtqueues (virtio_save's queue count). */
  queues: number;
}

type DevicePart = (p: Part, facts: DeviceFacts) => void;

/**
 * qemu_put_virtqueue_element (hw/virtio/virtio.c): a VirtQueueElementOld copied from host memory
 * as it is: index, out_num, in_num (4 bytes each, padded to 16), then 1024 (VIRTQUEUE_MAX_SIZE)
 * in and out addresses (8 bytes each) and in and out iovecs (16 bytes each on a 64-bit host).
 * Host-dependent; every Debian QEMU this project reads is a 64-bit build.
 */
const ELEMENT_BYTES = 16 + 2 * 1024 * 8 + 2 * 1024 * 16;

const NONE: DevicePart = () => {};

/**
 * hw/block/virtio-blk.c virtio_blk_save_device: each pending request as 0x01, its queue index
 * when the device has more than one queue, and the element; 0x00 after the last — the wire form
 * of a QTAILQ (vmstate-types.c put_qtailq), so it decodes and encodes as one.
 */
const blk: DevicePart = (p, facts) => {
  const fields: VmdescField[] = [...(facts.queues > 1 ? [F.u32('queue_index')] : []), F.bytes('elem', ELEMENT_BYTES)];
  p.body({ fields: [{ name: 'requests', type: 'qtailq', size: 0, vmsd_name: 'virtio-blk-request', version: 1, fields }] });
};

/**
 * hw/char/virtio-serial-bus.c virtio_serial_save_device: cols, rows, max_nr_ports (the config
 * space), the ports map (one be32 per 32 ports), the active port count, and per port its id,
 * guest_connected, host_connected and whether an element was popped (then iov_idx, iov_offset
 * and the element). max_nr_ports is copied from the config space as the device stores it
 * (virtio byte order): a big-endian legacy device (s390x) has it byte-swapped here, and the map's
 * length follows the device's own port count, which the swapped value still gives.
 */
const serial: DevicePart = (p) => {
  p.num('cols', 2);
  p.num('rows', 2);
  const raw = p.num('max_nr_ports', 4);
  const swapped = ((raw & 0xff) << 24 | (raw & 0xff00) << 8 | (raw >>> 8) & 0xff00 | raw >>> 24) >>> 0;
  const ports = raw <= 0xffff ? raw : swapped;
  // hw/char/virtio-serial-bus.c: max_ports is at most VIRTIO_QUEUE_MAX / 2 - 1 (511).
  if (ports > 511) throw new DecodeError('bad-field', p.c.pos - 4, `at most 511 virtio-serial ports, found ${raw}`, `${p.prefix}max_nr_ports`);
  p.body({ fields: [{ name: 'ports_map', type: 'uint32', size: 4, array_len: Math.ceil(ports / 32) }] });
  const active = p.count('nr_active_ports', 4, ports, 'active ports');
  p.array('ports', active, 'VirtIOSerialPort', (port) => {
    port.num('id', 4);
    port.num('guest_connected', 1);
    port.num('host_connected', 1);
    const popped = port.num('elem_popped', 4);
    if (popped) port.body({ fields: [F.u32('iov_idx'), F.u64('iov_offset'), F.bytes('elem', ELEMENT_BYTES)] });
  });
};

/** hw/virtio/virtio-balloon.c vmstate_virtio_balloon_device and its subsections. */
const balloon: DevicePart = (p) => {
  p.struct('virtio-balloon-device', 'virtio-balloon-device', (d) => d.body({
    vmsd_name: 'virtio-balloon-device',
    fields: [F.u32('num_pages'), F.u32('actual')],
    subsections: [
      { vmsd_name: 'virtio-balloon-device/free-page-report', version: 1, fields: [F.u32('free_page_hint_cmd_id'), F.u32('free_page_hint_status')] },
      { vmsd_name: 'virtio-balloon-device/page-poison', version: 1, fields: [F.u32('poison_val')] },
    ],
  }), 1);
};

/** include/standard-headers/linux/virtio_net.h VIRTIO_NET_F_CTRL_GUEST_OFFLOADS. */
const NET_F_CTRL_GUEST_OFFLOADS = 1 << 2;
/** hw/net/virtio-net.c MAC_TABLE_ENTRIES, MAX_VLAN >> 3. */
const MAC_TABLE_ENTRIES = 64;
const VLAN_BYTES = 4096 >> 3;

/**
 * hw/net/virtio-net.c vmstate_virtio_net_device (version 11 in every QEMU read here). Which
 * optional fields are present follows from the state before it: max_queue_pairs_gt_1 from the
 * queue count (two per pair plus the control queue, virtio_net_device_realize) and
 * has_ctrl_guest_offloads from the negotiated features. The MAC table's length is its in_use
 * count; entries past MAC_TABLE_ENTRIES are read and dropped by the loader (mac_table_fits), the
 * same bytes either way.
 */
const net: DevicePart = (p, facts) => {
  p.struct('virtio-net-device', 'virtio-net-device', (d) => {
    d.leaf('mac', 'buffer', 6);
    d.struct('vqs', 'virtio-net-queue-tx_waiting', (q) => q.num('tx_waiting', 4));
    d.num('mergeable_rx_bufs', 4);
    d.num('status', 2);
    d.num('promisc', 1);
    d.num('allmulti', 1);
    const inUse = d.count('mac_table.in_use', 4, 0x7fffffff, 'MAC table entries');
    if (inUse * 6 > d.c.fileLeft) throw new DecodeError('truncated', d.c.pos, `${inUse} MAC table entries (${inUse * 6} bytes), but the file has ${d.c.fileLeft} left`, `${d.prefix}mac_table.macs`);
    d.leaf(inUse <= MAC_TABLE_ENTRIES ? 'mac_table.macs' : 'mac_table_doesnt_fit', inUse <= MAC_TABLE_ENTRIES ? 'buffer' : 'unused_buffer', inUse * 6);
    d.leaf('vlans', 'buffer', VLAN_BYTES);
    d.struct('virtio-net-vnet', 'virtio-net-vnet', (t) => t.num('has_vnet_hdr', 4));
    for (const name of ['mac_table.multi_overflow', 'mac_table.uni_overflow', 'alluni', 'nomulti', 'nouni', 'nobcast']) d.num(name, 1);
    d.struct('virtio-net-ufo', 'virtio-net-ufo', (t) => t.num('has_ufo', 1));
    const maxPairs = Math.max(1, (facts.queues - 1) >> 1);
    let pairs = 1;
    if (maxPairs > 1) {
      d.leaf('max_queue_pairs', 'uint16 equal', 2);
      pairs = d.count('curr_queue_pairs', 2, maxPairs, 'queue pairs in use');
    }
    d.struct('virtio-net-tx_waiting', 'virtio-net-tx_waiting', (t) => t.array('vqs_1', Math.max(0, pairs - 1), 'virtio-net-queue-tx_waiting', (q) => q.num('tx_waiting', 4)));
    if (facts.guestFeatures & NET_F_CTRL_GUEST_OFFLOADS) d.leaf('curr_guest_offloads', 'uint64', 8);
    d.body({
      vmsd_name: 'virtio-net-device',
      subsections: [{
        vmsd_name: 'virtio-net-device/rss', version: 1,
        fields: [
          F.bool('rss_data.enabled'), F.bool('rss_data.redirect'), F.bool('rss_data.populate_hash'), F.u32('rss_data.hash_types'),
          F.u16('rss_data.indirections_len'), F.u16('rss_data.default_queue'), F.bytes('rss_data.key', 40),
          { name: 'rss_data.indirections_table', type: 'uint16', size: 2, array_len_from: 'rss_data.indirections_len' },
        ],
      }],
    });
  }, 11);
};

const DEVICES: Record<string, DevicePart> = {
  'virtio-rng': NONE,
  'virtio-scsi': NONE,
  'virtio-input': NONE,
  'virtio-blk': blk,
  'virtio-console': serial,
  'virtio-balloon': balloon,
  'virtio-net': net,
  ...MORE_DEVICES,
};

/** The device part's reader for a section's vmsd name, or undefined when it is not known. */
export const devicePart = (vmsd: string): DevicePart | undefined => (Object.hasOwn(DEVICES, vmsd) ? DEVICES[vmsd] : undefined);
