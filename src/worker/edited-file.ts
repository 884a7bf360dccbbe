// The edited file as a Blob: slices of the original and the inserted bytes (house habit 6), so a
// download of a multi-GiB stream copies only what was edited.

import { PieceTable, type Spliced } from '../format/edit/piece-table.ts';

export function editedBlob(file: Blob, actions: readonly Spliced[]): Blob {
  if (actions.length === 0) return file;
  const parts = PieceTable.of(file.size, actions)
    .runs()
    .map((r) => (r.original ? file.slice(r.start, r.start + r.length) : (r.bytes as Uint8Array<ArrayBuffer>)));
  return new Blob(parts, { type: 'application/octet-stream' });
}

/** "pc-devstate.bin" -> "pc-devstate-edited.bin"; a name without an extension gets "-edited". */
export function editedName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-edited${name.slice(dot)}` : `${name}-edited`;
}
