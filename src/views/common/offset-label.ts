// Offsets in the section table, field tree, hex view, inspector and problems are stream offsets.
// For a bare stream they are file offsets too and show as plain hex; inside a container they are
// labelled "stream", with the file offset beside them where one exists (a raw libvirt/xl stream,
// a qcow2 VM state byte in a mapped extent). A compressed stream has no file offset per byte.
import { useExplorer } from '../../store/useExplorer.ts';
import type { ContainerInfo } from '../../format/container/types.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** The file offset of a stream byte, or null where the file holds it compressed (or not at all). */
export function fileOffsetAt(c: ContainerInfo, streamOffset: number): number | null {
  if (c.inner.codec === 'raw') return c.inner.offset + streamOffset;
  if (c.inner.codec === 'mapped') {
    const e = c.qcow2?.extents.find((x) => streamOffset >= x.offset && streamOffset < x.offset + x.length);
    return e ? e.host + (streamOffset - e.offset) : null;
  }
  return null;
}

/** Short, for rows and cells: "0x1f0" (bare), "stream 0x1f0, file 0x106a3", "stream 0x1f0" (compressed). */
export function offsetText(c: ContainerInfo | null, offset: number): string {
  if (!c) return hex(offset);
  const file = fileOffsetAt(c, offset);
  return file === null ? `stream ${hex(offset)}` : `stream ${hex(offset)}, file ${hex(file)}`;
}

/** Long, for tooltips and sentences. */
export function offsetTitle(c: ContainerInfo | null, offset: number): string {
  if (!c) return `offset ${hex(offset)}`;
  const file = fileOffsetAt(c, offset);
  if (file !== null) return `stream offset ${hex(offset)} (file offset ${hex(file)})`;
  if (c.inner.codec === 'mapped') return `stream offset ${hex(offset)} (in no mapped extent: read through the snapshot's tables, no file offset)`;
  return `stream offset ${hex(offset)} (in the decompressed ${c.inner.codec} stream: the file holds it compressed, so no file offset)`;
}

/** The open file's container, for the labels above. */
export const useContainer = () => useExplorer((s) => s.container);
