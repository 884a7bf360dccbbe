// libvirt save images (`virsh save`, `virsh managedsave`): a 92-byte header, the domain XML and
// cookie in a data area with room to grow, then the QEMU stream, raw or compressed
// (libvirt src/qemu/qemu_saveimage.[ch]; format.md §8.1). The checks follow
// qemuSaveImageReadHeader: magic, then a byte swap if version > 2, format, data_len.

import type { ByteSource } from '../byte-source.ts';
import { makeProblem, type Problem } from '../errors.ts';
import type { FieldNode } from '../model.ts';
import { codecOfBytes, type Codec, type ContainerInfo, type ContainerRecord, type LibvirtHeader } from './types.ts';

export const LIBVIRT_MAGIC = 'LibvirtQemudSave';
export const LIBVIRT_PARTIAL = 'LibvirtQemudPart';
export const LIBVIRT_HEADER_SIZE = 92;
/** QEMU_SAVE_VERSION; version 1 images are never decompressed (qemuSaveImageDecompressionStart). */
export const LIBVIRT_VERSION = 2;
/** virQEMUSaveFormat, in enum order (qemu_saveimage_format.h); 5 zstd and 6 sparse are newer than libvirt 9.0. */
export const LIBVIRT_FORMATS = ['raw', 'gzip', 'bzip2', 'xz', 'lzop', 'zstd', 'sparse'] as const;
/** A data area larger than this is not read as text (libvirt writes XML + cookie + 64 KiB). */
const MAX_DATA_LEN = 64 * 1024 * 1024;

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

export function isLibvirtMagic(head: Uint8Array): boolean {
  const m = ascii(head.subarray(0, 16));
  return m === LIBVIRT_MAGIC || m === LIBVIRT_PARTIAL;
}

/** Decodes the header; integers are in the saving host's order, told by the version word. */
export function decodeLibvirtHeader(head: Uint8Array): LibvirtHeader {
  const view = new DataView(head.buffer, head.byteOffset, LIBVIRT_HEADER_SIZE);
  // qemuSaveImageReadHeader: "if (header->version > QEMU_SAVE_VERSION) convert endianness".
  const littleEndian = view.getUint32(16, true) <= LIBVIRT_VERSION || view.getUint32(16, false) > LIBVIRT_VERSION;
  const u32 = (at: number) => view.getUint32(at, littleEndian);
  const magic = ascii(head.subarray(0, 16));
  return {
    magic, complete: magic === LIBVIRT_MAGIC, littleEndian,
    version: u32(16), dataLen: u32(20), wasRunning: u32(24), format: u32(28), cookieOffset: u32(32),
    unused: Array.from({ length: 14 }, (_, i) => u32(36 + 4 * i)),
  };
}

export function encodeLibvirtHeader(h: LibvirtHeader): Uint8Array {
  const out = new Uint8Array(LIBVIRT_HEADER_SIZE);
  for (let i = 0; i < 16; i++) out[i] = h.magic.charCodeAt(i);
  const view = new DataView(out.buffer);
  [h.version, h.dataLen, h.wasRunning, h.format, h.cookieOffset, ...h.unused].forEach((v, i) => view.setUint32(16 + 4 * i, v, h.littleEndian));
  return out;
}

export function formatName(format: number): string {
  return LIBVIRT_FORMATS[format] ?? `unknown (${format})`;
}

function headerFields(h: LibvirtHeader): FieldNode[] {
  const f = (name: string, offset: number, size: number, type: string, value: FieldNode['value']): FieldNode => ({ name, path: `libvirt/${name}`, kind: 'leaf', type, offset, size, value });
  return [
    f('magic', 0, 16, 'string', h.magic),
    f('version', 16, 4, 'uint32', h.version),
    f('data_len', 20, 4, 'uint32', h.dataLen),
    f('was_running', 24, 4, 'bool', h.wasRunning === 1 ? true : h.wasRunning === 0 ? false : h.wasRunning),
    f('compressed', 28, 4, 'format', `${formatName(h.format)} (${h.format})`),
    f('cookieOffset', 32, 4, 'uint32', h.cookieOffset),
    f('byte order', 16, 4, 'order', h.littleEndian ? 'little-endian' : 'big-endian'),
    { name: 'unused', path: 'libvirt/unused', kind: 'array', type: 'uint32', offset: 36, size: 56, children: h.unused.map((v, i) => f(`unused[${i}]`, 36 + 4 * i, 4, 'uint32', v)) },
  ];
}

/** Text up to the first NUL of `bytes`, or null when there is none. */
function cString(bytes: Uint8Array): string | null {
  const nul = bytes.indexOf(0);
  return nul < 0 ? null : new TextDecoder().decode(bytes.subarray(0, nul));
}

/** Reads a libvirt save image's own records; null when `source` does not start with its magic. */
export async function readLibvirt(source: ByteSource): Promise<ContainerInfo | null> {
  const head = await source.read(0, LIBVIRT_HEADER_SIZE);
  if (head.length < 16 || !isLibvirtMagic(head)) return null;
  const problems: Problem[] = [];
  const records: ContainerRecord[] = [];
  const size = source.size;
  const info: ContainerInfo = { kind: 'libvirt', title: 'libvirt save image', fileSize: size, records, inner: { offset: size, size: 0, codec: 'raw' }, problems };
  if (head.length < LIBVIRT_HEADER_SIZE) {
    problems.push(makeProblem('truncated', head.length, `the ${LIBVIRT_HEADER_SIZE}-byte libvirt save header ("failed to read qemu header")`));
    records.push({ kind: 'container-header', title: 'libvirt header (truncated)', offset: 0, size: head.length, problems: [] });
    return info;
  }
  const h = decodeLibvirtHeader(head);
  const hdr: ContainerRecord = { kind: 'container-header', title: 'libvirt header', offset: 0, size: LIBVIRT_HEADER_SIZE, fields: headerFields(h), problems: [] };
  records.push(hdr);
  if (!h.complete) hdr.problems.push(makeProblem('incomplete-image', 0, `magic "${LIBVIRT_MAGIC}"; "${LIBVIRT_PARTIAL}" means libvirt had not finished writing it and restore refuses it ("save image is incomplete")`));
  if (h.version > LIBVIRT_VERSION || h.version === 0) hdr.problems.push(makeProblem('bad-container', 16, `version 1 or 2 in either byte order, found ${h.version} ("image version is not supported")`));
  if (h.format >= LIBVIRT_FORMATS.length) hdr.problems.push(makeProblem('bad-container', 28, `a save image format 0-${LIBVIRT_FORMATS.length - 1}, found ${h.format} ("unsupported save image format")`));
  if (h.wasRunning > 1) hdr.problems.push(makeProblem('container-note', 24, `was_running 0 or 1, found ${h.wasRunning}`));
  const areaEnd = LIBVIRT_HEADER_SIZE + h.dataLen;
  if (h.dataLen === 0) hdr.problems.push(makeProblem('bad-container', 20, 'a data_len above 0 ("invalid header data length")'));
  else if (areaEnd > size) hdr.problems.push(makeProblem('truncated', 20, `data_len ${h.dataLen} bytes of XML after the header, but the file ends at ${size} ("failed to read domain XML")`));
  else if (h.dataLen > MAX_DATA_LEN) hdr.problems.push(makeProblem('limit', 20, `data_len at most ${MAX_DATA_LEN} bytes of XML, found ${h.dataLen}`));
  else if (h.cookieOffset > h.dataLen) hdr.problems.push(makeProblem('bad-container', 32, `cookieOffset within data_len ${h.dataLen}, found ${h.cookieOffset}`));
  hdr.problems.forEach((p) => problems.push(p));
  if (hdr.problems.some((p) => p.severity === 'error' && p.code !== 'incomplete-image')) {
    if (size > LIBVIRT_HEADER_SIZE) records.push({ kind: 'padding', title: 'unread (header rejected)', offset: LIBVIRT_HEADER_SIZE, size: size - LIBVIRT_HEADER_SIZE, problems: [] });
    return info;
  }
  const area = await source.read(LIBVIRT_HEADER_SIZE, h.dataLen);
  info.libvirt = { header: h, xml: '', cookie: null, cookieLen: 0 };
  await readDataArea(info, area);
  info.inner = await streamPlace(source, h, areaEnd, problems);
  const codec = info.inner.codec;
  const title = codec === 'raw' ? 'QEMU migration stream' : `${codec}-compressed QEMU migration stream`;
  records.push({ kind: 'stream', title, offset: areaEnd, size: size - areaEnd, problems: [] });
  if (codec === 'raw') info.streamSize = size - areaEnd;
  return info;
}

/** XML, cookie and padding inside data_len, as libvirt reads them (cookieOffset splits the area). */
async function readDataArea(info: ContainerInfo, area: Uint8Array): Promise<void> {
  const lv = info.libvirt!;
  const h = lv.header;
  const base = LIBVIRT_HEADER_SIZE;
  const xmlRoom = h.cookieOffset || h.dataLen;
  const xml = cString(area.subarray(0, xmlRoom));
  const push = (r: ContainerRecord) => {
    info.records.push(r);
    r.problems.forEach((p) => info.problems.push(p));
  };
  if (xml === null) {
    push({ kind: 'xml', title: 'domain XML (not NUL-terminated)', offset: base, size: xmlRoom, text: new TextDecoder().decode(area.subarray(0, xmlRoom)), problems: [makeProblem('bad-container', base + xmlRoom - 1, `a NUL byte ending the domain XML within ${xmlRoom} bytes`)] });
    return;
  }
  lv.xml = xml;
  const xmlLen = new TextEncoder().encode(xml).length + 1;
  push({ kind: 'xml', title: 'domain XML', offset: base, size: xmlLen, text: xml, problems: [] });
  let at = xmlLen;
  if (h.cookieOffset) {
    if (h.cookieOffset > at) pushPadding(push, area, at, h.cookieOffset);
    const cookie = cString(area.subarray(h.cookieOffset));
    if (cookie === null) {
      push({ kind: 'cookie', title: 'cookie (not NUL-terminated)', offset: base + h.cookieOffset, size: h.dataLen - h.cookieOffset, problems: [makeProblem('bad-container', base + h.dataLen - 1, 'a NUL byte ending the cookie XML within data_len')] });
      return;
    }
    const cookieLen = new TextEncoder().encode(cookie).length + 1;
    lv.cookie = cookie;
    lv.cookieLen = cookieLen;
    push({ kind: 'cookie', title: 'cookie XML', offset: base + h.cookieOffset, size: cookieLen, text: cookie, problems: [] });
    at = h.cookieOffset + cookieLen;
  }
  if (at < h.dataLen) pushPadding(push, area, at, h.dataLen);
}

function pushPadding(push: (r: ContainerRecord) => void, area: Uint8Array, from: number, to: number): void {
  const problems = [];
  const nonZero = area.subarray(from, to).findIndex((b) => b !== 0);
  if (nonZero >= 0) problems.push(makeProblem('container-note', LIBVIRT_HEADER_SIZE + from + nonZero, 'zero bytes in the reserved room after the XML'));
  push({ kind: 'padding', title: 'reserved room (zero padding)', offset: LIBVIRT_HEADER_SIZE + from, size: to - from, problems });
}

/** Where the stream starts and its codec; a codec the data contradicts is reported, and the data's own kind used. */
async function streamPlace(source: ByteSource, h: LibvirtHeader, start: number, problems: Problem[]): Promise<ContainerInfo['inner']> {
  const size = source.size - start;
  const head = await source.read(start, 16);
  const declared: Codec | 'sparse' = h.version !== LIBVIRT_VERSION ? 'raw' : (LIBVIRT_FORMATS[h.format] ?? 'raw');
  const qevm = head.length >= 4 && ascii(head.subarray(0, 4)) === 'QEVM';
  const seen = qevm ? 'raw' : codecOfBytes(head);
  const shown = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'the end of the file';
  if (size === 0) problems.push(makeProblem('truncated', start, `the QEMU stream after data_len (${h.dataLen} bytes of XML)`));
  if (declared === 'sparse') {
    problems.push(makeProblem('bad-container', 28, 'format sparse (mapped-ram written by QEMU into the image) is read as a raw stream'));
    return { offset: start, size, codec: 'raw' };
  }
  if (seen && seen !== declared) {
    problems.push(makeProblem('bad-container', start, `${declared === 'raw' ? 'a raw stream starting with "QEVM"' : `${declared} data`} as compressed=${h.format} says; found ${seen === 'raw' ? 'a raw QEMU stream' : `${seen} data`} (${shown}), which is read instead`));
    return { offset: start, size, codec: seen };
  }
  if (!seen && size > 0) problems.push(makeProblem('bad-container', start, `${declared === 'raw' ? 'the QEMU magic "QEVM"' : `${declared} data`} as compressed=${h.format} says; found ${shown}`));
  return { offset: start, size, codec: declared };
}
