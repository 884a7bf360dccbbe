// The parts of a virtio device's opaque `virtio` field that QEMU checks when it loads it
// (hw/virtio/virtio.c virtio_save / virtio_load): the transport's own state first (its bus
// class's save_config), then status, isr, queue_sel, features, the device config and the
// virtqueues. A queue whose vring.num is larger than the destination allocated is refused
// ("VQ %d vring.num %d exceeds allocated max %d", QEMU 11.1). Only the leading, fixed part is
// read; the device-specific rest stays opaque. Each transport writes a different front part and
// a different queue entry, so each has its reader here:
// - PCI (hw/virtio/virtio-pci.c virtio_pci_save_config / _save_queue): PCIDevice state, MSI-X
//   table and pending bits, config vector; a queue entry has the MSI-X vector when MSI-X is on;
// - CCW (hw/s390x/virtio-ccw.c vmstate_virtio_ccw_dev, hw/s390x/css.c vmstate_subch_dev): the
//   subchannel, three indicator addresses, config vector, adapter routes, ISC and revision, with
//   the subsections those write; a queue entry ends with its vector (virtio_ccw_save_queue);
// - MMIO (hw/virtio/virtio-mmio.c virtio_mmio_save_config): three be32 selectors; the bus has
//   variable vring alignment, so a queue entry carries `align` after `num`, and no vector.

import { DecodeError } from '../errors.ts';

export type VirtioTransport = 'pci' | 'ccw' | 'mmio';

export interface VirtioBlob {
  transport: VirtioTransport;
  /** PCI only: offset of the config bytes within the blob, and the bytes. */
  configOffset?: number;
  config?: Uint8Array;
  /** Each saved virtqueue's vring.num and its file offset. */
  queues: { num: number; offset: number }[];
}
/** A VirtioBlob of a PCI device, whose config bytes are always read. */
export type VirtioPciBlob = VirtioBlob & { config: Uint8Array; configOffset: number };

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

/** MSI-X table size from the PCI capability list (capability id 0x11), 0 without MSI-X. */
function msixVectors(config: Uint8Array): number {
  let cap = config[0x34] & 0xfc;
  for (let hops = 0; cap && hops < 48; hops++) {
    if (config[cap] === 0x11) return ((config[cap + 2] | (config[cap + 3] << 8)) & 0x7ff) + 1;
    cap = config[cap + 1] & 0xfc;
  }
  return 0;
}

/**
 * The bodies of the subsections the CCW transport's vmsds may write (hw/s390x/css.c
 * vmstate_schdev_orb: the ORB, 12 bytes; hw/intc/s390_flic.c vmstate_adapter_info_so: be32).
 */
const CCW_SUBSECTIONS: Record<string, number> = { 's390_subch_dev/orb': 12, 's390_adapter_info/summary_offset': 4 };
/** vmstate_subch_dev's fields: ids 7, SCHIB 52, sense 32, channel program 8, CCW1 8, valid 1, SenseId 256, 2 flags. */
const SUBCH_DEV_BYTES = 366;

/** Reads a virtio blob of `transport`: where its queues are and their vring.num. */
export function readVirtioBlob(blob: Uint8Array, transport: VirtioTransport, fileOffset = 0): VirtioBlob {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const need = (pos: number, n: number, what: string) => {
    if (pos + n > blob.length) throw new DecodeError('truncated', fileOffset + pos, `${what} in the virtio state of ${blob.length} bytes`);
  };
  // A vmsd's subsections: QEMU_VM_SUBSECTION (5), name length, name, be32 version, body.
  const subsections = (pos: number): number => {
    while (pos < blob.length && blob[pos] === 0x05) {
      need(pos, 2, 'a subsection header');
      const name = new TextDecoder('latin1').decode(blob.subarray(pos + 2, pos + 2 + blob[pos + 1]));
      const body = CCW_SUBSECTIONS[name];
      if (body === undefined) throw new DecodeError('bad-field', fileOffset + pos, `a virtio-ccw subsection (${Object.keys(CCW_SUBSECTIONS).join(', ')}), found '${name}'`);
      pos += 2 + blob[pos + 1] + 4 + body;
    }
    return pos;
  };
  let pos = 0;
  let vectors = 0;
  let config: Uint8Array | undefined;
  if (transport === 'pci') {
    need(0, 276, 'the PCI device state');
    config = blob.subarray(4, 260);
    vectors = msixVectors(config);
    pos = 276 + vectors * 16 + Math.ceil(vectors / 8);
    if (vectors) pos += 2; // config_vector
  } else if (transport === 'ccw') {
    need(0, SUBCH_DEV_BYTES, 'the subchannel state');
    pos = subsections(SUBCH_DEV_BYTES);
    need(pos, 3 * 12 + 2 + 8, 'the indicators, config vector and adapter routes');
    pos = subsections(pos + 3 * 12 + 2 + 8) + 1 + 4; // thinint_isc, revision
  } else {
    pos = 12; // host_features_sel, guest_features_sel, guest_page_shift
  }
  need(pos, 12, 'status, isr, queue_sel, features and config length');
  pos += 1 + 1 + 2 + 4;
  const configLen = v.getUint32(pos);
  pos += 4 + configLen;
  need(pos, 4, 'the number of queues');
  const count = v.getUint32(pos);
  pos += 4;
  if (count > 1024) throw new DecodeError('bad-field', fileOffset + pos - 4, `at most 1024 virtqueues (VIRTIO_QUEUE_MAX), found ${count}`);
  const entry = transport === 'pci' ? 14 + (vectors ? 2 : 0) : transport === 'ccw' ? 16 : 18;
  const queues: VirtioBlob['queues'] = [];
  for (let i = 0; i < count; i++) {
    need(pos, entry, `virtqueue ${i}`);
    queues.push({ num: v.getUint32(pos), offset: fileOffset + pos });
    pos += entry;
  }
  return transport === 'pci' ? { transport, configOffset: 4, config, queues } : { transport, queues };
}

/** Reads a virtio-pci blob (readVirtioBlob for PCI). */
export function readVirtioPciBlob(blob: Uint8Array, fileOffset = 0): VirtioPciBlob {
  return readVirtioBlob(blob, 'pci', fileOffset) as VirtioPciBlob;
}
