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

// The transport from the section's path and the MSI-X vector count are the virtio decoder's
// (virtio/transport.ts), which also decodes the whole state where it knows the device; this
// reader needs only the leading part, so it works for every device.
import { msixVectors, virtioTransport, type VirtioTransport } from '../virtio/transport.ts';

export { virtioTransport, type VirtioTransport };

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
