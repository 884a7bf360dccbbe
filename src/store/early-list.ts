// A qcow2 image's snapshot list read on the page's own thread while the worker opens the image
// (issue 14: the list on screen within 100 ms). The list needs the header and the snapshot table
// only: two Blob reads with 64 KiB blocks. Through the worker it also waited for whatever the
// worker was doing when the file was picked (starting, its warm-up decode, fetching a library)
// and for the chosen snapshot's L1/L2 tables; measured under load it came 0.8-1.6 s after the
// pick. The worker's own 'container' events replace it (they carry the mapped VM state).

import { blobSource } from '../format/byte-source.ts';
import { blockReads } from '../format/block-reads.ts';
import { qcow2List } from '../format/container/qcow2.ts';
import type { ContainerInfo } from '../format/container/types.ts';

/** The list, or null when `file` is no qcow2 image or its table cannot be read (the worker says why). */
export async function earlySnapshotList(file: Blob, snapshot?: string): Promise<ContainerInfo | null> {
  try {
    return await qcow2List(blockReads(blobSource(file)), snapshot);
  } catch {
    return null;
  }
}
