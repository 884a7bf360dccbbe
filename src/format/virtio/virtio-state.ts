// A virtio device's `virtio` field, decoded the way QEMU writes it (hw/virtio/virtio.c virtio_save)
// instead of as a blob of the size a description recorded: the transport's config, status, isr,
// queue_sel, the low feature bits, the device config, the virtqueues, the device's own part
// (devices.ts), then the subsections of vmstate_virtio. Its length is a property of the device's
// configuration and state (queue count, MSI-X vectors, transport extra state), so a description
// made on another VM cannot give it; decoding it frames the section exactly, footers or not.

import { Cursor } from '../cursor.ts';
import { DecodeError } from '../errors.ts';
import type { FieldNode } from '../model.ts';
import type { VmsdDesc } from '../vmdesc.ts';
import type { DecodeContext } from '../vmsd-decoder.ts';
import { devicePart } from './devices.ts';
import { decodeGpuState } from './gpu.ts';
import { Part } from './part.ts';
import { CCW_DEV, extraState, F, msixVectors, pciCapability, pciDeviceFields, pciMsixFields, queueArray, queueFields, VIRTIO_QUEUE_MAX, virtioTransport, type VirtioTransport } from './transport.ts';

/** hw/virtio/virtio.c vmstate_virtio's subsections, in the order virtio_save writes them. */
function virtioSubsections(transport: VirtioTransport, queues: number): VmsdDesc[] {
  const sub = (name: string, fields: VmsdDesc['fields']): VmsdDesc => ({ vmsd_name: `virtio/${name}`, version: 1, fields });
  const extra = extraState(transport, queues);
  return [
    sub('device_endian', [F.u8('device_endian')]),
    sub('64bit_features', [F.u64('guest_features')]),
    sub('virtqueues', queueArray('vq', queues, 'virtqueue_state', [F.u64('vring.avail'), F.u64('vring.used')])),
    sub('ringsize', queueArray('vq', queues, 'ringsize_state', [F.u32('vring.num_default')])),
    sub('broken', [F.bool('broken')]),
    ...(extra ? [sub('extra_state', [extra])] : []),
    sub('started', [F.bool('started')]),
    sub('packed_virtqueues', queueArray('vq', queues, 'packed_virtqueue_state', [F.u16('last_avail_idx'), F.bool('last_avail_wrap_counter'), F.u16('used_idx'), F.bool('used_wrap_counter'), F.u32('inuse')])),
    sub('disabled', [F.bool('disabled')]),
  ];
}
/** Built once per transport and queue count: descriptions are read-only to the decoder. */
const SUBSECTIONS = new Map<string, VmsdDesc[]>();
const subsectionsFor = (t: VirtioTransport, queues: number) => SUBSECTIONS.get(`${t}:${queues}`) ?? SUBSECTIONS.set(`${t}:${queues}`, virtioSubsections(t, queues)).get(`${t}:${queues}`)!;

/** PCI_CAP_ID_EXP: a PCI Express device saves 4096 config bytes (hw/pci/pci.c migrate_is_pcie). */
const PCI_CAP_EXP = 0x10;

/** virtio_pci_save_config: the PCIDevice state, then MSI-X; returns whether MSI-X is on. */
function pciConfig(p: Part): boolean {
  const head = p.c.peek(4 + 256);
  if (!head) throw new DecodeError('truncated', p.c.pos, 'the PCI device state of a virtio device', p.prefix);
  const config = head.subarray(4);
  const express = pciCapability(config, PCI_CAP_EXP) >= 0;
  p.struct('pci_dev', 'PCIDevice', (d) => d.body({ fields: pciDeviceFields(express ? 4096 : 256) }), 2);
  const vectors = msixVectors(config);
  p.body({ fields: pciMsixFields(vectors) });
  return vectors > 0;
}

/**
 * Decodes the virtio state of the section `idstr` (vmsd `vmsd`) at the cursor: its nodes under
 * `prefix` ("…/virtio."), or a DecodeError naming what did not fit (an unknown transport, device
 * or subsection among them). The cursor ends right after the state.
 */
export function decodeVirtioState(c: Cursor, idstr: string, vmsd: string, prefix: string, ctx: DecodeContext): FieldNode[] {
  const transport = virtioTransport(idstr);
  if (!transport) throw new DecodeError('description-mismatch', c.pos, 'a virtio transport (PCI, CCW or MMIO) in the section name', prefix);
  const device = devicePart(vmsd);
  if (!device) throw new DecodeError('description-mismatch', c.pos, `a virtio device whose own state is known; ${vmsd} is not`, prefix);
  const p = new Part(c, prefix, ctx);
  let msix = false;
  if (transport === 'pci') msix = pciConfig(p);
  else if (transport === 'ccw') p.struct('s390_virtio_ccw_dev', 's390_virtio_ccw_dev', (d) => d.body(CCW_DEV), 1);
  else p.body({ fields: [F.u32('host_features_sel'), F.u32('guest_features_sel'), F.u32('guest_page_shift')] });
  p.num('status', 1);
  p.num('isr', 1);
  p.num('queue_sel', 2);
  const guestFeatures = p.num('guest_features', 4);
  const configLen = p.num('config_len', 4);
  if (configLen > c.fileLeft) throw new DecodeError('truncated', c.pos, `${configLen} bytes of device config, but the file has ${c.fileLeft} left`, `${prefix}config`);
  p.leaf('config', 'buffer', configLen);
  // virtio_load: "Invalid number of virtqueues".
  const queues = p.count('num_queues', 4, VIRTIO_QUEUE_MAX, 'virtqueues (VIRTIO_QUEUE_MAX)');
  const entry = queueFields(transport, msix);
  p.array('vq', queues, 'virtqueue', (q) => q.body({ fields: entry }));
  device(p, { guestFeatures, queues });
  p.body({ vmsd_name: 'virtio', subsections: subsectionsFor(transport, queues) });
  return p.nodes;
}

/**
 * The `virtio` field `f` of a section (or virtio-gpu's `virtio-gpu` field, gpu.ts) as the vmsd decoder meets it: decoded in place when its
 * layout is known (node becomes a struct), else left to the caller (false, cursor unmoved). A
 * description written for this stream records the true size: a layout that ends elsewhere is not
 * taken.
 */
export function decodeVirtioField(c: Cursor, node: FieldNode, describedSize: number | undefined, idstr: string, vmsd: string, ctx: DecodeContext): boolean {
  const trial = new Cursor(c.win, c.pos, node.path);
  // A frame-only walk frames it too: counts come back as numbers, not nodes (part.ts).
  const inner: DecodeContext = { problems: [], strictSizes: false, nodeBudget: ctx.nodeBudget, build: ctx.build };
  let children: FieldNode[];
  try {
    children = node.type === 'virtio-gpu' ? decodeGpuState(trial, `${node.path}.`, inner, describedSize) : decodeVirtioState(trial, idstr, vmsd, `${node.path}.`, inner);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return false;
  }
  if (ctx.strictSizes && describedSize !== undefined && trial.pos - c.pos !== describedSize) return false;
  ctx.nodeBudget = inner.nodeBudget;
  node.kind = 'struct';
  node.children = children;
  c.pos = trial.pos;
  return true;
}
