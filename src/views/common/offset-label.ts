// Offsets in the section table, field tree, hex view, inspector and problems are stream offsets.
// For a bare stream they are file offsets too and show as plain hex; inside a container they are
// labelled with what they count in ("stream", a qcow2 snapshot's "VM state"), with the file's
// offset beside them where one exists (store/host-offsets.ts names both coordinates). A
// compressed stream has no file offset per byte.
import { coordinates } from '../../store/host-offsets.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { fileOffsetOf, type ContainerInfo } from '../../format/container/types.ts';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Short, for rows and cells: "0x1f0" (bare), "stream 0x1f0, file 0x106a3", "stream 0x1f0" (compressed). */
export function offsetText(c: ContainerInfo | null, offset: number): string {
  const k = coordinates({ container: c });
  if (!k) return hex(offset);
  const file = fileOffsetOf(k.container, offset);
  return file === null ? `${k.stream} ${hex(offset)}` : `${k.stream} ${hex(offset)}, ${k.file} ${hex(file)}`;
}

/** Long, for tooltips and sentences. */
export function offsetTitle(c: ContainerInfo | null, offset: number): string {
  const k = coordinates({ container: c });
  if (!k) return `offset ${hex(offset)}`;
  const file = fileOffsetOf(k.container, offset);
  if (file !== null) return `${k.stream} offset ${hex(offset)} (${k.file} offset ${hex(file)})`;
  if (k.container.inner.codec === 'mapped') return `${k.stream} offset ${hex(offset)} (a zero or compressed cluster holds it: no ${k.file} offset)`;
  return `${k.stream} offset ${hex(offset)} (in the decompressed ${k.container.inner.codec} stream: the file holds it compressed, so no file offset)`;
}

/** The open file's container, for the labels above. */
export const useContainer = () => useExplorer((s) => s.container);
