// Offsets of a stream inside a container, in both coordinates (issue 14): the page's offsets
// (section table, fields, hex view, problems) are the stream's, i.e. a qcow2 snapshot's VM state;
// where a container holds it, each is also shown as the offset in the file on disk, labelled, so
// a person can find the byte with `qemu-img`, `dd` or a hex editor on the image.

import { fileOffsetOf, type ContainerInfo } from '../format/container/types.ts';
import type { ExplorerState } from './types.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

export interface Coordinates {
  /** What the page's own offsets are: "VM state", "stream", "decompressed stream". */
  stream: string;
  /** What the file's offsets are called: "image file", "file". */
  file: string;
  container: ContainerInfo;
}

/** One object per container, so components selecting it re-render only when the container changes. */
const made = new WeakMap<ContainerInfo, Coordinates>();

/** The names of both coordinates, or null for a bare stream (its offsets are the file's). */
export function coordinates(s: Pick<ExplorerState, 'container'>): Coordinates | null {
  const c = s.container;
  if (!c) return null;
  let k = made.get(c);
  if (!k) {
    k = c.kind === 'qcow2' ? { stream: 'VM state', file: 'image file', container: c } : { stream: 'stream', file: 'file', container: c };
    made.set(c, k);
  }
  return k;
}

/** "image file 0x5003f", or why no file byte holds the stream's byte as it is. */
export function fileOffsetText(k: Coordinates, offset: number): string {
  const at = fileOffsetOf(k.container, offset);
  if (at !== null) return `${k.file} ${hex(at)}`;
  if (k.container.inner.codec === 'mapped') return `${k.file}: none (a zero or compressed cluster holds this byte)`;
  return `${k.file}: inside the ${k.container.inner.codec}-compressed stream`;
}
