// The whole image around an edited stream, as a list of parts: runs of the container file (as its
// own fields were edited), runs of the edited stream, and a few new bytes. The worker turns the
// parts into Blob slices (a download), the CLI into file writes (-o); both get the same layout
// from here, so an xl record's length or a qcow2 extent is worked out once.

import type { Splice } from '../edit/change.ts';
import { PieceTable } from '../edit/piece-table.ts';
import type { ImagePatch } from '../qcow2/patch-image.ts';
import type { ContainerInfo } from './types.ts';

export type ImagePart = { from: 'file' | 'stream'; offset: number; length: number } | { from: 'bytes'; bytes: Uint8Array };

const file = (offset: number, length: number): ImagePart => ({ from: 'file', offset, length });

/**
 * An xl image with a stream of `streamSize` bytes in its EMULATOR_CONTEXT record: the record's u32
 * length (libxl-migration-stream.pandoc: emulator header + data) follows the stream's size and
 * zero padding brings the record to a multiple of 8 again; every other byte is the file's.
 */
export function xlParts(info: ContainerInfo, streamSize: number): ImagePart[] {
  const xl = info.xl!;
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, 8 + streamSize, xl.littleEndian);
  const pad = (8 - ((8 + streamSize) % 8)) % 8;
  return [
    file(0, xl.lengthOffset), { from: 'bytes', bytes: length }, file(xl.lengthOffset + 4, info.inner.offset - xl.lengthOffset - 4),
    { from: 'stream', offset: 0, length: streamSize }, { from: 'bytes', bytes: new Uint8Array(pad) }, file(xl.recordEnd, info.fileSize - xl.recordEnd),
  ];
}

/** A raw libvirt image: its (edited) header and data area, then the stream. */
export function libvirtRawParts(info: ContainerInfo, streamSize: number): ImagePart[] {
  return [file(0, info.inner.offset), { from: 'stream', offset: 0, length: streamSize }];
}

/** A qcow2 image with `patches` (qcow2/patch-image.ts, in the order the edits made them) written over it. */
export function qcow2Parts(info: ContainerInfo, patches: readonly ImagePatch[]): ImagePart[] {
  const splices: Splice[] = patches.map((p) => ({ offset: p.host, removed: new Uint8Array(p.bytes.length), inserted: p.bytes }));
  return PieceTable.of(info.fileSize, [{ splices }]).runs().map((r) => (r.original ? file(r.start, r.length) : { from: 'bytes', bytes: r.bytes }));
}

export function partsSize(parts: readonly ImagePart[]): number {
  return parts.reduce((n, p) => n + (p.from === 'bytes' ? p.bytes.length : p.length), 0);
}

/** The parts as Blob slices: nothing is copied but the new bytes. */
export function blobParts(parts: readonly ImagePart[], container: Blob, stream: Blob): BlobPart[] {
  return parts.map((p) => (p.from === 'bytes' ? (p.bytes as Uint8Array<ArrayBuffer>) : (p.from === 'file' ? container : stream).slice(p.offset, p.offset + p.length)));
}
