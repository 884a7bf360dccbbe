// Byte buffers and device-private blobs (vmstate-types.c vmstate_info_buffer, unused_buffer,
// bitmap; hw/pci/pci.c "pci config"; virtio, msix, ...). The value is the bytes themselves
// (a Uint8Array); a buffer larger than BYTES_VALUE_LIMIT keeps only its first PREVIEW bytes in
// the model and is read from the file when it is re-encoded or shown in full.

import type { FieldValue } from '../model.ts';
import type { FieldType } from './field-type.ts';

/** Largest buffer whose bytes go into the model; larger ones carry a preview. */
export const BYTES_VALUE_LIMIT = 4096;
const PREVIEW = 32;
const SHOWN = 8;

/** Types whose bytes are device-private or plain buffers: shown as bytes, no warning. */
export const BYTE_TYPES = new Set([
  'buffer', 'unused_buffer', 'bitmap', 'pci config', 'msix state', 'virtio', 'shpc', 'scsi-requests',
  'usb-redir-parser', 'usb-redir-bufpq', 'usb-redir-packet-id-q', 'virtqueue_extra_state', 'unknown',
]);

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** Hex typed by a user: "0x" prefix, spaces and colons allowed; null when it is not hex bytes. */
export function hexToBytes(hex: string): Uint8Array | null {
  const clean = hex.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** The bytes a buffer value holds, when the value is bytes. */
export const valueBytes = (v: FieldValue | undefined): Uint8Array | null => (v instanceof Uint8Array ? v : null);

/** Hex bytes one by one, 16 to a line like the hex view, so a byte is easy to find and change. */
export function spacedHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) lines.push(bytesToHex(bytes.subarray(i, i + 16)).replace(/(..)(?!$)/g, '$1 '));
  return lines.join('\n');
}

/** "00 01 02 … (4,096 bytes)": the first bytes and the size. */
export function bytesPreview(bytes: Uint8Array, size: number): string {
  const shown = Math.min(SHOWN, size, bytes.length);
  const pairs = bytesToHex(bytes.subarray(0, shown)).replace(/(..)(?!$)/g, '$1 ');
  return `${pairs}${size > shown ? ' …' : ''} (${size.toLocaleString('en-US')} byte${size === 1 ? '' : 's'})`;
}

const cache = new Map<string, FieldType>();

/** The entry for a byte type (or any type decoded as plain bytes), named after it for hints. */
export function bytesType(name: string): FieldType {
  let t = cache.get(name);
  if (t) return t;
  const complete = (v: FieldValue, size: number) => v instanceof Uint8Array && v.length === size;
  const text = (v: FieldValue) => (v instanceof Uint8Array ? bytesToHex(v) : '');
  t = {
    name,
    bytes: true,
    fits: () => true,
    decode: (c, size) => {
      // A copy: a view would keep (and clone to the page) the whole read window behind it.
      return c.copy(size, size <= BYTES_VALUE_LIMIT ? size : PREVIEW, name);
    },
    encode: (v, size) => (complete(v, size) ? { ok: true, bytes: (v as Uint8Array).slice() } : { ok: false, reason: `only the first ${PREVIEW} of ${size} bytes are in the model` }),
    display: (v, size) => (v instanceof Uint8Array ? (size > 0 && v.length > 0 ? bytesPreview(v, size) : '') : String(v ?? '')),
    text,
    copy: (v, size) => (v instanceof Uint8Array ? `${bytesToHex(v)}${v.length < size ? '…' : ''}` : ''),
    parse: (input, size) => {
      const b = hexToBytes(input);
      if (!b) return { ok: false, reason: `"${input.slice(0, 40)}" is not hex bytes` };
      if (b.length !== size) return { ok: false, reason: `${b.length} bytes given, the field holds ${size}` };
      return { ok: true, bytes: b };
    },
    editor: (v, size) =>
      complete(v, size)
        ? { kind: 'bytes', text: spacedHex(v as Uint8Array), checked: false, hint: `${size} byte${size === 1 ? '' : 's'} as hex` }
        : { kind: 'none', reason: `${size.toLocaleString('en-US')} bytes are too many to edit here; overwrite them in the hex view` },
  };
  cache.set(name, t);
  return t;
}
