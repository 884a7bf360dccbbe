// The container dispatcher: each reader returns null for "not mine" (speedscope's importers), so
// qcow2 and xl save readers (issue 14) join this list without changing the callers.

import type { ByteSource } from '../byte-source.ts';
import { readLibvirt } from './libvirt.ts';
import { readXl } from './xl.ts';
import type { ContainerInfo } from './types.ts';

const READERS: ((source: ByteSource) => Promise<ContainerInfo | null>)[] = [readLibvirt, readXl];

/** The container around the QEMU stream, or null for a bare stream. */
export async function sniffContainer(source: ByteSource): Promise<ContainerInfo | null> {
  for (const read of READERS) {
    const info = await read(source);
    if (info) return info;
  }
  return null;
}
