// The container dispatcher: each reader returns null for "not mine" (speedscope's importers), so
// the libvirt, xl and qcow2 readers share one entry point.

import type { ByteSource } from '../byte-source.ts';
import { readLibvirt } from './libvirt.ts';
import { readQcow2 } from './qcow2.ts';
import { readXl } from './xl.ts';
import type { ContainerInfo } from './types.ts';

export interface SniffOptions {
  /** qcow2: the snapshot whose VM state to open (name, id or #N); default the newest with one. */
  snapshot?: string;
  /** qcow2: the snapshot list as soon as the table is read (qcow2.ts ReadQcow2Options.onList). */
  onList?(info: ContainerInfo): void;
}

const READERS: ((source: ByteSource, opts: SniffOptions) => Promise<ContainerInfo | null>)[] = [readLibvirt, readXl, readQcow2];

/** The container around the QEMU stream, or null for a bare stream. */
export async function sniffContainer(source: ByteSource, opts: SniffOptions = {}): Promise<ContainerInfo | null> {
  for (const read of READERS) {
    const info = await read(source, opts);
    if (info) return info;
  }
  return null;
}
