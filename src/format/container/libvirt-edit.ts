// Changes to a libvirt save image's own bytes, as `virsh save-image-define` (new XML, rewritten in
// place within data_len: virQEMUSaveDataWrite refuses "new xml too large to fit in file") and
// `virsh save-image-edit --running/--paused` (was_running) do. The result is the new prefix
// [0, 92 + data_len): the stream after it keeps its offset.

import { encodeLibvirtHeader, LIBVIRT_FORMATS, LIBVIRT_HEADER_SIZE } from './libvirt.ts';
import type { Codec, LibvirtInfo } from './types.ts';

export interface LibvirtChange {
  xml?: string;
  wasRunning?: boolean;
  /** Written as another format (a compressed image downloaded raw: 'raw'). */
  codec?: Exclude<Codec, 'mapped'>;
}

export type PrefixResult = { ok: true; prefix: Uint8Array; notes: string[] } | { ok: false; reason: string };

export function libvirtPrefix(info: LibvirtInfo, change: LibvirtChange): PrefixResult {
  const h = { ...info.header, unused: [...info.header.unused] };
  const xml = change.xml ?? info.xml;
  if (xml.includes('\0')) return { ok: false, reason: 'the domain XML must not contain a NUL character' };
  const xmlBytes = new TextEncoder().encode(xml);
  const cookieBytes = info.cookie === null ? null : new TextEncoder().encode(info.cookie);
  const need = xmlBytes.length + 1 + (cookieBytes ? cookieBytes.length + 1 : 0);
  if (need > h.dataLen) {
    return { ok: false, reason: `the new XML needs ${need} bytes with the cookie, but the image reserves ${h.dataLen} (data_len) and the stream after it cannot move ("new xml too large to fit in file")` };
  }
  if (change.wasRunning !== undefined) h.wasRunning = change.wasRunning ? 1 : 0;
  const notes: string[] = [];
  if (change.codec !== undefined) {
    const format = LIBVIRT_FORMATS.indexOf(change.codec);
    if (format !== h.format) notes.push(`compressed changed from ${LIBVIRT_FORMATS[h.format] ?? h.format} (${h.format}) to ${change.codec} (${format})`);
    h.format = format;
  }
  // virQEMUSaveDataWrite: the cookie follows the XML's NUL, so cookieOffset moves with the XML.
  if (cookieBytes) h.cookieOffset = xmlBytes.length + 1;
  const prefix = new Uint8Array(LIBVIRT_HEADER_SIZE + h.dataLen);
  prefix.set(encodeLibvirtHeader(h));
  prefix.set(xmlBytes, LIBVIRT_HEADER_SIZE);
  if (cookieBytes) prefix.set(cookieBytes, LIBVIRT_HEADER_SIZE + h.cookieOffset);
  return { ok: true, prefix, notes };
}
