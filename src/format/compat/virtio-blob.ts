// The parts of a virtio-pci device's opaque `virtio` field that QEMU checks when it loads it
// (hw/virtio/virtio.c virtio_save / virtio_load, hw/virtio/virtio-pci.c virtio_pci_save_config):
// the transport's PCI config space first, then the device's virtqueues. A queue whose vring.num is
// larger than the destination allocated is refused ("VQ %d vring.num %d exceeds allocated max %d").
// Only the leading, fixed part is read; the device-specific rest stays opaque.

import { DecodeError } from '../errors.ts';

export interface VirtioPciBlob {
  /** Offset of the PCI config bytes within the blob, and the bytes. */
  configOffset: number;
  config: Uint8Array;
  queues: { num: number; offset: number }[];
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

/** Reads a virtio-pci blob: PCIDevice state (int32 version, 256 config bytes, 16 irq bytes), MSI-X table and pending bits, config vector, status, isr, queue_sel, features, config, queues. */
export function readVirtioPciBlob(blob: Uint8Array, fileOffset = 0): VirtioPciBlob {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const need = (pos: number, n: number, what: string) => {
    if (pos + n > blob.length) throw new DecodeError('truncated', fileOffset + pos, `${what} in the virtio state of ${blob.length} bytes`);
  };
  need(0, 276, 'the PCI device state');
  const config = blob.subarray(4, 260);
  let pos = 276;
  const vectors = msixVectors(config);
  pos += vectors * 16 + Math.ceil(vectors / 8);
  if (vectors) pos += 2; // config_vector
  need(pos, 12, 'status, isr, queue_sel, features and config length');
  pos += 1 + 1 + 2 + 4;
  const configLen = v.getUint32(pos);
  pos += 4 + configLen;
  need(pos, 4, 'the number of queues');
  const count = v.getUint32(pos);
  pos += 4;
  if (count > 1024) throw new DecodeError('bad-field', fileOffset + pos - 4, `at most 1024 virtqueues (VIRTIO_QUEUE_MAX), found ${count}`);
  const queues: VirtioPciBlob['queues'] = [];
  for (let i = 0; i < count; i++) {
    need(pos, 14, `virtqueue ${i}`);
    queues.push({ num: v.getUint32(pos), offset: fileOffset + pos });
    pos += 4 + 8 + 2 + (vectors ? 2 : 0);
  }
  return { configOffset: 4, config, queues };
}
