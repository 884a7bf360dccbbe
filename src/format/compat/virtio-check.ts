// The virtio part of a device section against the target QEMU, on any transport (PCI, CCW, MMIO;
// virtio-blob.ts reads each). Two things are compared:
// - virtqueue sizes: QEMU 11.1's virtio_load (hw/virtio/virtio.c) refuses a saved vring.num above
//   the size the device allocated its queue with ("VQ %d vring.num %u exceeds allocated max %u");
//   7.2 and 10.0 load it unchecked. Which QEMU checks, and each device type's allocated sizes, are
//   facts gathered from the real binaries (scripts/lib/compat-qemu.mjs virtioFacts), keyed by the
//   device's vmsd name, which names its section. Debian's QEMU 10.0 allocates 1024 entries for
//   every queue (x-query-virtio-queue-status vring-num-default) where 7.2 and 11.1 keep each
//   device's own size (virtio-rng 8: hw/virtio/virtio-rng.c virtio_add_queue(vdev, 8, ...)), so
//   10.0's files carry 1024 and 11.1 refuses them, whatever the transport and machine type.
// - PCI only: the transport's read-only config bytes (get_pci_config_device), against the target's
//   reference VM's own device where it has one, else against the device type's config space as
//   the target creates it (the facts again): virtio-balloon-pci's capability pointer is 0x84 in
//   7.2 and 0x98 in 10.0 and 11.1.

import { DecodeError } from '../errors.ts';
import type { FieldNode, StreamRecord } from '../model.ts';
import type { CompatTarget, ReferenceState } from './check.ts';
import { firstReadOnlyDifference } from './pci-config.ts';
import { readVirtioBlob, readVirtioPciBlob, virtioTransport, type VirtioBlob } from './virtio-blob.ts';

/** What one QEMU version does with virtqueue sizes on load. */
export interface VirtioFacts {
  /** Per device vmsd name ("virtio-rng"), each virtqueue's allocated size in a default device. */
  queueSizes: Record<string, number[]>;
  /** Whether its loader refuses a saved vring.num above the allocated size. */
  refusesLargerQueues: boolean;
  /** PCI transports: per device vmsd name, its config space (hex) as the target creates it. */
  pciConfig?: Record<string, string>;
}

type Fail = (m: string, r?: StreamRecord, offset?: number) => void;
type Warn = (m: string, r?: StreamRecord) => void;

/** Checks the `virtio` field `n` of section `r`; true when it fails. */
export async function checkVirtio(
  r: StreamRecord,
  n: FieldNode,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  target: CompatTarget,
  refNode: FieldNode | undefined,
  reference: ReferenceState | null,
  compatProps: boolean,
  fail: Fail,
  warn: Warn,
): Promise<boolean> {
  const transport = virtioTransport(r.idstr ?? '');
  if (!transport) {
    warn(`not checked: the virtqueues of this virtio device (its path names none of the PCI, CCW or MMIO transports); QEMU ${target.version} may refuse a queue larger than it allocates`, r);
    return false;
  }
  let mine: VirtioBlob;
  try {
    mine = readVirtioBlob(await read(n.offset, n.size), transport, n.offset);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    warn(`not checked: the virtqueues of this virtio-${transport} device could not be read (${e.message})`, r);
    return false;
  }
  const facts = target.virtio;
  const vmsd = r.vmsdName ?? (r.idstr ?? '').slice((r.idstr ?? '').lastIndexOf('/') + 1);
  if (transport === 'pci' && !compatProps) {
    // The same device of the target's reference VM, else the device type as the target creates it.
    const hex = facts?.pciConfig?.[vmsd];
    const theirs = refNode && reference ? readVirtioPciBlob(await reference.read(refNode.offset, refNode.size)).config : hex ? Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)) : null;
    const i = theirs ? firstReadOnlyDifference(mine.config!, theirs) : -1;
    if (theirs && i >= 0) {
      fail(`get_pci_config_device: Bad config data: i=0x${i.toString(16)} read: ${mine.config![i].toString(16)} device: ${theirs[i].toString(16)}`, r, n.offset + 4 + i);
      return true;
    }
    if (!theirs) warn(`not checked: the PCI config bytes of ${vmsd}, which neither QEMU ${target.version}'s reference VM nor its virtio facts have`, r);
  }
  if (!facts) {
    warn(`not checked: the virtqueue sizes (QEMU ${target.version}'s data has no virtio facts: scripts/make-compat-fixtures.mjs --virtio-facts-only)`, r);
    return false;
  }
  if (!facts.refusesLargerQueues || !mine.queues.length) return false;
  const sizes = facts.queueSizes[vmsd];
  if (!sizes) {
    warn(`not checked: the virtqueue sizes of ${vmsd}, which QEMU ${target.version}'s data does not list; it refuses a queue larger than it allocates`, r);
    return false;
  }
  for (const [q, queue] of mine.queues.entries()) {
    const max = sizes[q];
    if (max === undefined) {
      warn(`not checked: virtqueue ${q} and later (a default ${vmsd} has ${sizes.length} in QEMU ${target.version}; more come from its configuration)`, r);
      return false;
    }
    if (queue.num > max) {
      fail(`VQ ${q} vring.num ${queue.num} exceeds allocated max ${max}`, r, queue.offset);
      return true;
    }
  }
  return false;
}
