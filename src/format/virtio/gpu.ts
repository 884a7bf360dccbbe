// The `virtio-gpu` field of a virtio-gpu section (hw/display/virtio-gpu.c vmstate_virtio_gpu: the
// field after VMSTATE_VIRTIO_DEVICE whose put is virtio_gpu_save). Like `virtio`, its length is a
// property of the device's state (resources, max_outputs), so a description made on another VM
// cannot give it; decoded by its layout, it frames the section exactly, footers or not.
//
// virtio_gpu_save: per 2D resource (blob resources go to the virtio-gpu/blob subsection instead)
// its resource_id (never 0), width, height, format, iov_cnt, iov_cnt x (addr be64, length be32) and
// the image (pixman stride x height; every format virtio-gpu accepts is 32 bits per pixel,
// virtio_gpu_get_pixman_format, so the stride is width x 4); a be32 0 ends the list. Then
// vmstate_virtio_gpu_scanouts: enable, max_outputs (VMSTATE_UINT32_EQUAL) and max_outputs scanouts
// of 10 be32 (resource_id, width, height, x, y, the cursor's resource_id, hot_x, hot_y, pos.x,
// pos.y), plus the framebuffer's 6 (format, bytes_pp, width, height, stride, offset) when
// x-scanout-vmstate-version is 2: QEMU 9.0 and later on machine types 9.0 and later (hw_compat_8_2
// sets 1). The stream does not say which; see framebufferCount.

import { Cursor } from '../cursor.ts';
import { DecodeError } from '../errors.ts';
import type { FieldNode } from '../model.ts';
import type { DecodeContext } from '../vmsd-decoder.ts';
import { Part } from './part.ts';
import { F } from './transport.ts';

/** include/hw/virtio/virtio-gpu.h VIRTIO_GPU_MAX_SCANOUTS. */
const MAX_SCANOUTS = 16;
const SCANOUT_V1 = ['resource_id', 'width', 'height', 'x', 'y', 'cursor.resource_id', 'cursor.hot_x', 'cursor.hot_y', 'cursor.pos.x', 'cursor.pos.y'];
const SCANOUT_FB = ['fb.format', 'fb.bytes_pp', 'fb.width', 'fb.height', 'fb.stride', 'fb.offset'];

/** Bytes of one scanout without and with the framebuffer fields. */
const V1 = 40;
const V2 = 64;
/** What may follow the field: a footer, a section or subsection header, EOF (migration/savevm.h QEMU_VM_*). */
const NEXT_RECORD = new Set([0x7e, 0x02, 0x03, 0x04, 0x05, 0x1f]);

/**
 * How many of `outputs` scanouts carry the framebuffer fields. QEMU decides per element
 * (scanout_vmstate_after_v2 finds the device with container_of from the element, not the array, so
 * only scanout 0 reads the real x-scanout-vmstate-version and the others read whatever byte lies
 * that many scanouts further on: real 10.0 files hold 64+40+64 bytes for three). Nothing in the
 * stream says which: a description of this very stream gives the field's size, so the count; else
 * (a description from another VM: the bundled library's probes) the largest count after which a
 * record or the file's end follows, trying the version the description's writer used first.
 */
function framebufferCount(c: Cursor, describedSize: number | undefined, used: number, outputs: number): number {
  if (describedSize !== undefined) {
    const extra = describedSize - used - outputs * V1;
    if (extra >= 0 && extra % (V2 - V1) === 0 && extra / (V2 - V1) <= outputs) return extra / (V2 - V1);
  }
  const writerV2 = describedSize === undefined || (describedSize - 12) % V2 === 0;
  const order = Array.from({ length: outputs + 1 }, (_, i) => (writerV2 ? outputs - i : i));
  for (const k of order) {
    const length = outputs * V1 + k * (V2 - V1);
    if (length === c.fileLeft) return k;
    if (length > c.fileLeft) continue;
    const next = new Cursor(c.win, c.pos + length).peek(1);
    if (next && NEXT_RECORD.has(next[0])) return k;
  }
  return writerV2 ? outputs : 0;
}

/** Decodes the field at the cursor into nodes under `prefix`; throws DecodeError where it does not fit. */
export function decodeGpuState(c: Cursor, prefix: string, ctx: DecodeContext, describedSize: number | undefined): FieldNode[] {
  const start = c.pos;
  const p = new Part(c, prefix, ctx);
  const listStart = c.pos;
  const resources: FieldNode[] = [];
  for (let i = 0; ; i++) {
    const at = c.pos;
    const r = new Part(c, `${prefix}resources[${i}].`, ctx);
    if (r.num('resource_id', 4) === 0) {
      // An array of the resources, then the be32 0 that ends the list (a leaf of its own).
      p.nodes.push({ name: 'resources', path: `${prefix}resources`, kind: 'array', type: 'struct', offset: listStart, size: at - listStart, children: resources });
      p.nodes.push({ ...r.nodes[0], name: 'resources_end', path: `${prefix}resources_end` });
      break;
    }
    const width = r.num('width', 4);
    const height = r.num('height', 4);
    r.num('format', 4);
    // virtio_gpu_load: "iov_cnt" is bounded by the guest's entries; 16 bytes each must fit the file.
    const iovs = r.count('iov_cnt', 4, Math.floor(c.fileLeft / 12), 'backing entries (12 bytes each) the file can hold');
    r.array('iov', iovs, 'virtio_gpu_iov', (e) => e.body({ fields: [F.u64('addr'), F.u32('length')] }));
    const image = width * 4 * height;
    if (image > c.fileLeft) throw new DecodeError('truncated', c.pos, `a ${width}x${height} image (${image} bytes), but the file has ${c.fileLeft} left`, `${prefix}resources[${i}].image`);
    r.leaf('image', 'buffer', image);
    resources.push({ name: `[${i}]`, path: `${prefix}resources[${i}]`, kind: 'struct', type: 'struct', offset: at, size: c.pos - at, vmsdName: 'virtio_gpu_simple_resource', children: r.nodes });
  }
  p.struct('scanouts', 'virtio-gpu-scanouts', (s) => {
    s.leaf('enable', 'int32', 4);
    const outputs = s.count('conf.max_outputs', 4, MAX_SCANOUTS, 'scanouts (VIRTIO_GPU_MAX_SCANOUTS)');
    const k = framebufferCount(c, describedSize, c.pos - start, outputs);
    s.array('scanout', outputs, 'virtio-gpu-one-scanout', (o, i) => o.body({ fields: (i < k ? [...SCANOUT_V1, ...SCANOUT_FB] : SCANOUT_V1).map((n) => (n === 'x' || n === 'y' ? { name: n, type: 'int32', size: 4 } : F.u32(n))) }));
  }, 1);
  return p.nodes;
}
