// One rule each, on real virtio states changed the way QEMU would write them in another state
// (the real files come from stopped guests: no negotiated features, no pending requests): the
// decoder follows each rule of the device's save code, and refuses what QEMU's loader refuses.
import { describe, expect, it } from 'vitest';
import { Cursor } from '../cursor.ts';
import { DecodeError } from '../errors.ts';
import { walkFields } from '../edit/find.ts';
import type { FieldNode } from '../model.ts';
import { fixtureBytes, scanBytes } from '../testing/fixtures.ts';
import { newContext } from '../vmsd-decoder.ts';
import { decodeVirtioState } from './virtio-state.ts';

/** The virtio state of section `idstr` in a real migration stream, as bytes of their own. */
async function realState(file: string, idstr: string) {
  const bytes = fixtureBytes(file);
  const model = await scanBytes(bytes);
  const r = model.records.find((x) => x.idstr === idstr)!;
  const n = r.fields!.find((f) => f.type === 'virtio')!;
  return { blob: bytes.slice(n.offset, n.offset + n.size), vmsd: r.vmsdName!, nodes: decode(bytes.slice(n.offset, n.offset + n.size), idstr, r.vmsdName!) };
}

function decode(blob: Uint8Array, idstr: string, vmsd: string): { nodes: FieldNode[]; end: number } {
  const c = new Cursor({ bytes: blob, base: 0, atEnd: true, fileSize: blob.length }, 0);
  const nodes = decodeVirtioState(c, idstr, vmsd, 'v.', newContext(false));
  return { nodes, end: c.pos };
}

const find = (nodes: FieldNode[], path: string) => [...walkFields(nodes)].find((n) => n.path === `v.${path}`)!;
const splice = (b: Uint8Array, at: number, remove: number, insert: Uint8Array) => Uint8Array.from([...b.subarray(0, at), ...insert, ...b.subarray(at + remove)]);

describe('virtio device parts', () => {
  it('virtio-net: a negotiated VIRTIO_NET_F_CTRL_GUEST_OFFLOADS adds curr_guest_offloads (be64) after the tx_waiting of the other queues', async () => {
    const idstr = '0000:00:02.0/virtio-net';
    const { blob, vmsd, nodes } = await realState('q35-migration.bin', idstr);
    expect(find(nodes.nodes, 'virtio-net-device.curr_guest_offloads')).toBeUndefined();
    const features = find(nodes.nodes, 'guest_features');
    const tx = find(nodes.nodes, 'virtio-net-device.virtio-net-tx_waiting');
    let changed = splice(blob, tx.offset + tx.size, 0, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x2b));
    changed = splice(changed, features.offset + 3, 1, Uint8Array.of(blob[features.offset + 3] | 4));
    const out = decode(changed, idstr, vmsd);
    expect(out.end).toBe(changed.length);
    expect(find(out.nodes, 'virtio-net-device.curr_guest_offloads')).toMatchObject({ offset: tx.offset + tx.size, size: 8, value: 0x2b });
  });

  it('virtio-blk: a pending request is 01, its queue index (more than one queue), the element; 00 ends the list', async () => {
    const idstr = '0000:00:0a.0/virtio-blk';
    const { blob, vmsd, nodes } = await realState('pc-migration.bin', idstr);
    const list = find(nodes.nodes, 'requests');
    expect([list.kind, list.size, list.children]).toEqual(['list', 1, []]);
    const element = new Uint8Array(49168).fill(0xa5);
    const changed = splice(blob, list.offset, 0, Uint8Array.from([1, 0, 0, 0, 1, ...element]));
    const out = decode(changed, idstr, vmsd);
    expect(out.end).toBe(changed.length);
    const req = find(out.nodes, 'requests');
    expect(req.children!.length).toBe(1);
    expect(find(out.nodes, 'requests[0].queue_index').value).toBe(1);
    expect(find(out.nodes, 'requests[0].elem').size).toBe(49168);
  });

  it('virtio-serial: a port with a popped element carries iov_idx, iov_offset and the element', async () => {
    const idstr = '0000:00:0d.0/virtio-console';
    const { blob, vmsd, nodes } = await realState('pc-migration.bin', idstr);
    const popped = find(nodes.nodes, 'ports[0].elem_popped');
    expect(popped.value).toBe(0);
    const extra = Uint8Array.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9, ...new Uint8Array(49168)]);
    const changed = splice(splice(blob, popped.offset + 4, 0, extra), popped.offset + 3, 1, Uint8Array.of(1));
    const out = decode(changed, idstr, vmsd);
    expect(out.end).toBe(changed.length);
    expect([find(out.nodes, 'ports[0].iov_idx').value, find(out.nodes, 'ports[0].iov_offset').value]).toEqual([2, 9]);
  });

  it('refuses more than VIRTIO_QUEUE_MAX queues, as virtio_load does, naming the offset', async () => {
    const idstr = '0000:00:0c.0/virtio-rng';
    const { blob, vmsd, nodes } = await realState('pc-migration.bin', idstr);
    const count = find(nodes.nodes, 'num_queues');
    const changed = splice(blob, count.offset, 4, Uint8Array.of(0, 0, 4, 1));
    expect(() => decode(changed, idstr, vmsd)).toThrow(new DecodeError('bad-field', count.offset, 'virtqueues (VIRTIO_QUEUE_MAX): at most 1024, found 1025', 'v.num_queues'));
  });

  it('a device whose own state it does not know, or a path with no transport, is not guessed', async () => {
    const { blob } = await realState('pc-migration.bin', '0000:00:0c.0/virtio-rng');
    expect(() => decode(blob, '0000:00:0c.0/virtio-crypto', 'virtio-crypto')).toThrow(/virtio-crypto is not/);
    expect(() => decode(blob, 'virtio-rng', 'virtio-rng')).toThrow(/transport/);
  });
});
