// qcow2 images with internal snapshots as a container (format.md §8.4, format/qcow2): the header,
// the snapshot table and the chosen snapshot's VM state, stored in extents wherever its clusters
// lie. The VM state is the stream the explorer decodes; its extents are the container's 'stream'
// records, so the file offset of every VM-state byte is known (host offsets in the image).

import type { ByteSource } from '../byte-source.ts';
import { DecodeError, escapeText, makeProblem, quoted } from '../errors.ts';
import { findSnapshot, isQcow2, openQcow2, vmStateSource, type Extent, type Qcow2Snapshot } from '../qcow2/index.ts';
import type { ContainerInfo, ContainerRecord } from './types.ts';

export interface Qcow2Info {
  version: number;
  clusterSize: number;
  diskSize: number;
  snapshots: Qcow2Snapshot[];
  /** Index of the snapshot whose VM state is open, if any. */
  chosen?: number;
  /**
   * Index of the snapshot about to open, in the early list only (readQcow2's `onList`): its
   * clusters are not mapped yet, so it is neither `chosen` nor refused.
   */
  opening?: number;
  /** Where the open VM state lies in the image, in VM-state order. */
  extents: Extent[];
  /** VM-state bytes not stored as plain data clusters (zero, unallocated or compressed clusters). */
  unmapped: number;
}

/** The snapshot opened when none is named: the newest one that has a VM state. */
export function defaultSnapshot(snapshots: Qcow2Snapshot[]): Qcow2Snapshot | undefined {
  return [...snapshots].reverse().find((s) => s.vmStateSize > 0);
}

export interface ReadQcow2Options {
  snapshot?: string;
  /**
   * Called with a copy of the info once the header and snapshot table are read, before the chosen
   * snapshot's L1/L2 tables are: the list needs nothing more, and mapping a GiB of VM state takes
   * several more reads (each a round trip to the browser's file thread in the worker).
   */
  onList?(info: ContainerInfo): void;
  /** Stop at the list (qcow2List): no cluster of the VM state is mapped. */
  listOnly?: boolean;
}

export async function readQcow2(source: ByteSource, opts: ReadQcow2Options = {}): Promise<ContainerInfo | null> {
  if (!isQcow2(await source.read(0, 4))) return null;
  const info: ContainerInfo = { kind: 'qcow2', title: 'qcow2 disk image', fileSize: source.size, records: [], inner: { offset: 0, size: 0, codec: 'mapped' }, problems: [] };
  try {
    const img = await openQcow2(source);
    const h = img.header;
    const q: Qcow2Info = { version: h.version, clusterSize: 2 ** h.clusterBits, diskSize: h.size, snapshots: img.snapshots, extents: [], unmapped: 0 };
    info.qcow2 = q;
    info.title = `qcow2 v${h.version} disk image, ${img.snapshots.length} snapshot(s)`;
    info.records.push({ kind: 'container-header', title: 'qcow2 header', offset: 0, size: h.version === 3 ? 104 : 72, problems: [] });
    const snap = opts.snapshot !== undefined ? findSnapshot(img, opts.snapshot) : defaultSnapshot(img.snapshots);
    if (!snap) {
      const why = opts.snapshot !== undefined ? `a snapshot named ${quoted(opts.snapshot)} (by name, id or #N)` : 'a snapshot with a VM state (savevm); this image has none';
      info.problems.push(makeProblem('bad-container', h.snapshotsOffset, why));
      return info;
    }
    if (snap.vmStateSize === 0) {
      info.problems.push(makeProblem('bad-container', snap.entryOffset, `snapshot ${quoted(snap.name)} is disk-only: it holds no VM state`));
      return info;
    }
    const list = () => listed({ ...info, title: `${info.title}: opening snapshot ${quoted(snap.name)} (id ${escapeText(snap.id)})`, qcow2: { ...q, snapshots: [...q.snapshots], opening: snap.index }, records: [...info.records], problems: [...info.problems] }, source.size);
    if (opts.listOnly) return list();
    opts.onList?.(list());
    const state = vmStateSource(source, img, snap);
    q.extents = await state.extents();
    // Chosen only once every cluster of the state maps: a table that points outside the image
    // is reported here, and the state is not read (the scan would meet the same error halfway,
    // found by `npm run fuzz`, seed 20261204 case 987).
    q.chosen = snap.index;
    q.unmapped = snap.vmStateSize - q.extents.reduce((n, e) => n + e.length, 0);
    q.extents.forEach((e, i) => info.records.push({ kind: 'stream', title: `VM state of ${quoted(snap.name)}${q.extents.length > 1 ? ` (extent ${i + 1} of ${q.extents.length}, VM state offset 0x${e.offset.toString(16)})` : ''}`, offset: e.host, size: e.length, problems: [] }));
    info.inner = { offset: q.extents[0]?.host ?? 0, size: snap.vmStateSize, codec: 'mapped' };
    info.streamSize = snap.vmStateSize;
    info.title = `qcow2 v${h.version} disk image: snapshot ${quoted(snap.name)} (id ${escapeText(snap.id)})`;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    info.problems.push(e.toProblem());
  }
  return listed(info, source.size);
}

/** `info` with the rest of the image (disk clusters, tables) as one record per gap, so every byte is listed. */
function listed(info: ContainerInfo, fileSize: number): ContainerInfo {
  info.records.sort((a, b) => a.offset - b.offset);
  const gaps: ContainerRecord[] = [];
  let at = 0;
  for (const r of info.records) {
    if (r.offset > at) gaps.push({ kind: 'record', title: 'disk clusters and tables', offset: at, size: r.offset - at, problems: [] });
    at = Math.max(at, r.offset + r.size);
  }
  if (at < fileSize) gaps.push({ kind: 'record', title: 'disk clusters and tables', offset: at, size: fileSize - at, problems: [] });
  info.records = [...info.records, ...gaps].sort((a, b) => a.offset - b.offset);
  return info;
}

/**
 * The header and snapshot table alone, with the snapshot that would open marked `opening` (null
 * for no qcow2 image): what the page shows before the worker has mapped any cluster.
 */
export function qcow2List(source: ByteSource, snapshot?: string): Promise<ContainerInfo | null> {
  return readQcow2(source, { snapshot, listOnly: true });
}

/** The open snapshot's VM state as a ByteSource over the image (read through its own L1/L2 tables). */
export async function qcow2StateSource(image: ByteSource, info: ContainerInfo): Promise<ByteSource> {
  const q = info.qcow2;
  if (!q || q.chosen === undefined) throw new DecodeError('bad-container', 0, 'a qcow2 snapshot with a VM state');
  const img = await openQcow2(image);
  return vmStateSource(image, img, img.snapshots[q.chosen]);
}
