// qcow2 images as a container of saved VM states (docs format.md §8.4): the header and snapshot
// table, and each snapshot's VM state as a ByteSource the stream scanner reads like any file.

import type { ByteSource } from '../byte-source.ts';
import { QCOW2_MAGIC, readQcow2Header, readSnapshots, type Qcow2Header, type Qcow2Snapshot } from './header.ts';
import { Qcow2VmState } from './vmstate-source.ts';

export type { Qcow2Header, Qcow2Snapshot } from './header.ts';
export { Qcow2VmState, type Extent, type ClusterMapping } from './vmstate-source.ts';

export interface Qcow2Image {
  header: Qcow2Header;
  snapshots: Qcow2Snapshot[];
}

/** True when the first bytes carry the qcow2 magic. */
export function isQcow2(first: Uint8Array): boolean {
  return first.length >= 4 && ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0 === QCOW2_MAGIC;
}

export async function openQcow2(image: ByteSource): Promise<Qcow2Image> {
  const header = await readQcow2Header(image);
  return { header, snapshots: await readSnapshots(image, header) };
}

/**
 * The snapshot named by `ref`: its name, its id, or `#N` for the N-th entry (1-based). QEMU's own
 * lookup (qcow2_snapshot_load_tmp, find_snapshot_by_id_or_name) tries the id first, then the name.
 */
export function findSnapshot(img: Qcow2Image, ref: string): Qcow2Snapshot | undefined {
  const nth = /^#(\d+)$/.exec(ref);
  if (nth) return img.snapshots[Number(nth[1]) - 1];
  return img.snapshots.find((s) => s.id === ref) ?? img.snapshots.find((s) => s.name === ref);
}

export function vmStateSource(image: ByteSource, img: Qcow2Image, snapshot: Qcow2Snapshot): Qcow2VmState {
  return new Qcow2VmState(image, img.header, snapshot);
}
