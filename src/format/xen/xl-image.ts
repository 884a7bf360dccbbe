// Xen `xl save` images (docs format.md §8.2): the xl header with the domain configuration, then the
// libxl migration stream v2 (Xen docs/specs/libxl-migration-stream.pandoc), whose LIBXC_CONTEXT
// record is followed by the libxc stream (libxc-migration-stream.pandoc) and whose
// EMULATOR_CONTEXT record carries QEMU's device-state file unchanged. This reads the record
// framing only, through the byte source, so a multi-GiB image's memory pages are indexed, never
// loaded. Each problem names the byte offset of the field that is wrong and stops the walk there;
// the records found before it are kept.

import type { ByteSource } from '../byte-source.ts';
import { DecodeError, type Problem } from '../errors.ts';

export const XL_MAGIC = 'Xen saved domain, xl format\n \0 \r';
const LIBXL_IDENT = 0x4c6962786c466d74n; // "LibxlFmt"
const LIBXC_IDENT = 0x58454e46; // "XENF"

export const LIBXL_RECORDS: Record<number, string> = {
  0: 'END', 1: 'LIBXC_CONTEXT', 2: 'EMULATOR_XENSTORE_DATA', 3: 'EMULATOR_CONTEXT', 4: 'CHECKPOINT_END', 5: 'CHECKPOINT_STATE',
};
export const LIBXC_RECORDS: Record<number, string> = {
  0: 'END', 1: 'PAGE_DATA', 2: 'X86_PV_INFO', 3: 'X86_PV_P2M_FRAMES', 4: 'X86_PV_VCPU_BASIC', 5: 'X86_PV_VCPU_EXTENDED',
  6: 'X86_PV_VCPU_XSAVE', 7: 'SHARED_INFO', 8: 'X86_TSC_INFO', 9: 'HVM_CONTEXT', 10: 'HVM_PARAMS', 11: 'TOOLSTACK',
  12: 'X86_PV_VCPU_MSRS', 13: 'VERIFY', 14: 'CHECKPOINT', 15: 'CHECKPOINT_DIRTY_PFN_LIST', 16: 'STATIC_DATA_END',
  17: 'X86_CPUID_POLICY', 18: 'X86_MSR_POLICY',
};
export const EMULATORS: Record<number, string> = { 0: 'unknown', 1: 'qemu-traditional', 2: 'qemu-upstream' };

export interface XlHeader {
  littleEndian: boolean;
  mandatoryFlags: number;
  optionalFlags: number;
  /** The domain configuration (JSON when mandatory flag 1 is set), without its trailing NUL. */
  config?: { offset: number; size: number; text: string };
  /** Where the libxl stream starts. */
  end: number;
}

/** One record of either stream: `offset` is its 8-byte header, `body` its contents (no padding). */
export interface XenRecord {
  stream: 'libxl' | 'libxc';
  type: number;
  name: string;
  offset: number;
  bodyOffset: number;
  length: number;
  /** Header + body + padding to 8 bytes. */
  size: number;
  /** EMULATOR_* records: emulator id and index. */
  emulator?: { id: number; index: number };
  /** PAGE_DATA: how many pfns it lists and how many pages of data it carries. */
  pages?: { pfns: number; withData: number };
}

export interface XenImage {
  xl?: XlHeader;
  /** Offset of the libxl stream header (16 bytes) and its options. */
  libxl: { offset: number; bigEndian: boolean; legacy: boolean };
  /** libxc image and domain headers (24 + 16 bytes) when the stream has a LIBXC_CONTEXT. */
  libxc?: { offset: number; version: number; domainType: number; pageShift: number; xenMajor: number; xenMinor: number };
  records: XenRecord[];
  /** True when the libxl END record was reached. */
  complete: boolean;
  problems: Problem[];
}

export function isXlImage(first: Uint8Array): boolean {
  return first.length >= 32 && XL_MAGIC.split('').every((c, i) => first[i] === c.charCodeAt(0));
}

export function isLibxlStream(first: Uint8Array): boolean {
  return first.length >= 8 && new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0) === LIBXL_IDENT;
}

/** Reads exactly `n` bytes at `offset` or throws 'truncated' naming what was expected there. */
async function exact(src: ByteSource, offset: number, n: number, what: string): Promise<DataView> {
  const b = await src.read(offset, n);
  if (b.length < n) throw new DecodeError('truncated', offset + b.length, `${what}: ${n} bytes at ${offset}, the image ends at ${src.size}`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export async function readXlHeader(src: ByteSource): Promise<XlHeader> {
  const v = await exact(src, 0, 48, 'the xl header');
  // xl.h: the byte-order word is 0x01020304 written in the saving host's order.
  const littleEndian = v.getUint32(32, true) === 0x01020304;
  if (!littleEndian && v.getUint32(32, false) !== 0x01020304) throw new DecodeError('bad-image', 32, 'the xl byte-order marker 0x01020304');
  const mandatoryFlags = v.getUint32(36, littleEndian);
  const optionalFlags = v.getUint32(40, littleEndian);
  const optionalLen = v.getUint32(44, littleEndian);
  if (48 + optionalLen > src.size) throw new DecodeError('truncated', 44, `${optionalLen} bytes of optional data inside the image`);
  if (mandatoryFlags & ~3) throw new DecodeError('unsupported-image', 36, `known mandatory flags (1 JSON config, 2 stream v2), found 0x${mandatoryFlags.toString(16)}`);
  if (!(mandatoryFlags & 2)) throw new DecodeError('unsupported-image', 36, 'a migration stream v2 image (mandatory flag 2): this is a legacy xl image');
  const header: XlHeader = { littleEndian, mandatoryFlags, optionalFlags, end: 48 + optionalLen };
  // xl_saverestore.c: the optional data is a u32 length and the JSON configuration with its NUL.
  const len = optionalLen >= 4 ? (await exact(src, 48, 4, 'the configuration length')).getUint32(0, littleEndian) : 0;
  if (len > 0) {
    if (4 + len > optionalLen) throw new DecodeError('bad-image', 48, `a configuration of at most ${optionalLen - 4} bytes, found ${len}`);
    const bytes = await src.read(52, len);
    const text = new TextDecoder().decode(bytes[len - 1] === 0 ? bytes.subarray(0, len - 1) : bytes);
    header.config = { offset: 52, size: len, text };
  }
  return header;
}

/** Walks the whole image; stops at the first problem, keeping the records before it. */
export async function readXenImage(src: ByteSource): Promise<XenImage> {
  const image: XenImage = { libxl: { offset: 0, bigEndian: false, legacy: false }, records: [], complete: false, problems: [] };
  try {
    let pos = 0;
    const head = await src.read(0, 32);
    if (isXlImage(head)) {
      image.xl = await readXlHeader(src);
      pos = image.xl.end;
    }
    const h = await exact(src, pos, 16, 'the libxl stream header');
    if (h.getBigUint64(0) !== LIBXL_IDENT) throw new DecodeError('bad-image', pos, 'the libxl stream identifier "LibxlFmt"');
    if (h.getUint32(8) !== 2) throw new DecodeError('unsupported-image', pos + 8, `libxl stream version 2, found ${h.getUint32(8)}`);
    const options = h.getUint32(12);
    if (options & ~3) throw new DecodeError('bad-image', pos + 12, `libxl options with only bits 0-1 set, found 0x${options.toString(16)}`);
    image.libxl = { offset: pos, bigEndian: (options & 1) === 1, legacy: (options & 2) === 2 };
    const le = !image.libxl.bigEndian;
    pos += 16;
    for (;;) {
      const rec = await readRecord(src, pos, 'libxl', le);
      image.records.push(rec);
      pos = rec.offset + rec.size;
      if (rec.type === 0) {
        image.complete = true;
        break;
      }
      if (rec.type === 1) pos = await readLibxc(src, pos, image);
    }
    if (pos < src.size) image.problems.push(new DecodeError('trailing-data', pos, `nothing after the libxl END record, found ${src.size - pos} bytes`).toProblem());
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    image.problems.push(e.toProblem());
  }
  return image;
}

async function readRecord(src: ByteSource, pos: number, stream: 'libxl' | 'libxc', le: boolean): Promise<XenRecord> {
  const v = await exact(src, pos, 8, `a ${stream} record header`);
  const type = v.getUint32(0, le);
  const length = v.getUint32(4, le);
  const names = stream === 'libxl' ? LIBXL_RECORDS : LIBXC_RECORDS;
  const size = 8 + Math.ceil(length / 8) * 8; // not (length + 7) & ~7: lengths near 2^31 overflow 32-bit ints
  if (pos + size > src.size) throw new DecodeError('truncated', pos + 4, `${stream} record ${names[type] ?? `type ${type}`} of ${length} bytes inside the image`);
  const rec: XenRecord = { stream, type, name: names[type] ?? `unknown (${type})`, offset: pos, bodyOffset: pos + 8, length, size };
  if (stream === 'libxl' && (type === 2 || type === 3)) {
    if (length < 8) throw new DecodeError('bad-image', pos + 4, `an emulator record of at least 8 bytes, found ${length}`);
    const e = await exact(src, pos + 8, 8, 'the emulator header');
    rec.emulator = { id: e.getUint32(0, le), index: e.getUint32(4, le) };
  }
  if (stream === 'libxc' && type === 1) {
    const p = await exact(src, pos + 8, 8, 'the PAGE_DATA count');
    const count = p.getUint32(0, le);
    if (8 + count * 8 > length) throw new DecodeError('bad-image', pos + 8, `PAGE_DATA listing ${count} pfns within its ${length} bytes`);
    const withData = (length - 8 - count * 8) / 4096;
    if (!Number.isInteger(withData)) throw new DecodeError('bad-image', pos + 4, `PAGE_DATA of 8 + 8 × ${count} + 4096 × pages bytes, found ${length}`);
    rec.pages = { pfns: count, withData };
  }
  return rec;
}

async function readLibxc(src: ByteSource, pos: number, image: XenImage): Promise<number> {
  // Image header (big-endian, libxc-migration-stream.pandoc): marker, "XENF", version, options.
  const ih = await exact(src, pos, 24, 'the libxc image header');
  if (ih.getBigUint64(0) !== 0xffffffffffffffffn || ih.getUint32(8) !== LIBXC_IDENT) throw new DecodeError('bad-image', pos, 'the libxc image header (marker and "XENF")');
  const version = ih.getUint32(12);
  if (version < 2 || version > 3) throw new DecodeError('unsupported-image', pos + 12, `libxc stream version 2 or 3, found ${version}`);
  const xcLe = (ih.getUint16(16) & 1) === 0;
  const dh = await exact(src, pos + 24, 16, 'the libxc domain header');
  image.libxc = { offset: pos, version, domainType: dh.getUint32(0, xcLe), pageShift: dh.getUint16(4, xcLe), xenMajor: dh.getUint32(8, xcLe), xenMinor: dh.getUint32(12, xcLe) };
  pos += 40;
  for (;;) {
    const rec = await readRecord(src, pos, 'libxc', xcLe);
    image.records.push(rec);
    pos = rec.offset + rec.size;
    if (rec.type === 0) return pos;
  }
}
