// A container wraps the QEMU stream in other bytes (house habit 16): a libvirt save image today,
// qcow2 internal snapshots and xl save files later. A container layer reads its own records and
// says where the wrapped stream lies and how it is encoded; the caller turns that into the inner
// byte source (a sub-range, or a decompressed spill copy), so scan, hex view, edits and downloads
// work on the stream unchanged, and the container's records account for the file's other bytes.

import type { FieldNode } from '../model.ts';
import type { Problem } from '../errors.ts';
import type { Qcow2Info } from './qcow2.ts';

/** How the wrapped stream is stored in the file. */
/** 'mapped': stored in pieces the container maps (a qcow2 snapshot's clusters: `qcow2.extents`). */
export type Codec = 'raw' | 'gzip' | 'bzip2' | 'xz' | 'lzop' | 'zstd' | 'mapped';

/** 'config': text such as the xl domain configuration; 'record': a record of the container's own stream (libxl, libxc). */
export type ContainerRecordKind = 'container-header' | 'xml' | 'cookie' | 'config' | 'record' | 'padding' | 'stream';

/** One run of the container's own bytes, in file offsets; together they cover the whole file. */
export interface ContainerRecord {
  kind: ContainerRecordKind;
  title: string;
  offset: number;
  size: number;
  /** Decoded header fields (paths like "libvirt/was_running"). */
  fields?: FieldNode[];
  /** XML or cookie text, as text (never markup). */
  text?: string;
  problems: Problem[];
}

/** Decoded libvirt save header (libvirt src/qemu/qemu_saveimage.h: virQEMUSaveHeader). */
export interface LibvirtHeader {
  magic: string;
  /** False while libvirt was still writing the image (QEMU_SAVE_PARTIAL). */
  complete: boolean;
  littleEndian: boolean;
  version: number;
  dataLen: number;
  wasRunning: number;
  format: number;
  cookieOffset: number;
  unused: number[];
}

export interface LibvirtInfo {
  header: LibvirtHeader;
  xml: string;
  cookie: string | null;
  /** Bytes of the data area taken by the cookie (with its NUL); the XML may use the rest. */
  cookieLen: number;
}

export interface ContainerInfo {
  kind: 'libvirt' | 'xl' | 'qcow2';
  title: string;
  fileSize: number;
  records: ContainerRecord[];
  /** Where the wrapped stream lies in the file, and how it is stored. */
  inner: { offset: number; size: number; codec: Codec };
  /** Bytes of the decoded stream once known (raw: inner.size). */
  streamSize?: number;
  /** The decompressed stream ends early or was cut by a limit: the stream model covers what came. */
  libvirt?: LibvirtInfo;
  /**
   * xl images: the EMULATOR_CONTEXT record around the stream. Its u32 length at `lengthOffset`
   * counts the 8-byte emulator header plus the stream; zero padding follows to a multiple of 8,
   * and the rest of the image starts at `recordEnd`.
   */
  xl?: { lengthOffset: number; littleEndian: boolean; recordEnd: number };
  qcow2?: Qcow2Info;
  problems: Problem[];
}

/**
 * File offset of a stream offset: after the container's prefix for a raw stream, through the
 * extents for a qcow2 snapshot's VM state (found by bisection: a multi-GiB state on a fragmented
 * image has thousands). Null inside a compressed stream, in a VM-state byte stored in a zero or
 * compressed cluster (no image byte holds it as is), and past the stream's end.
 */
export function fileOffsetOf(info: ContainerInfo, streamOffset: number): number | null {
  if (info.inner.codec === 'raw') return streamOffset >= 0 && streamOffset < info.inner.size ? info.inner.offset + streamOffset : null;
  const extents = info.inner.codec === 'mapped' ? info.qcow2?.extents : undefined;
  if (!extents) return null;
  let lo = 0;
  let hi = extents.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = extents[mid];
    if (streamOffset < e.offset) hi = mid - 1;
    else if (streamOffset >= e.offset + e.length) lo = mid + 1;
    else return e.host + (streamOffset - e.offset);
  }
  return null;
}

/** Stream offset of a file offset inside a raw stream; null in the container's own bytes. */
export function streamOffsetOf(info: ContainerInfo, fileOffset: number): number | null {
  const rel = fileOffset - info.inner.offset;
  return info.inner.codec === 'raw' && rel >= 0 && rel < info.inner.size ? rel : null;
}

/** First bytes of each compressor's output (gzip RFC 1952, bzip2 "BZh", xz, lzop, zstd RFC 8878). */
export const CODEC_MAGIC: Record<Exclude<Codec, 'raw' | 'mapped'>, number[]> = {
  gzip: [0x1f, 0x8b],
  bzip2: [0x42, 0x5a, 0x68],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  lzop: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
};

export function codecOfBytes(head: Uint8Array): Codec | null {
  for (const [codec, magic] of Object.entries(CODEC_MAGIC)) {
    if (magic.every((b, i) => head[i] === b)) return codec as Codec;
  }
  return null;
}
