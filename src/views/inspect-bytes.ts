// The data inspector's readings of the bytes at the selection start.

export interface Reading {
  label: string;
  be: string;
  le: string | null;
}

function intAt(bytes: Uint8Array, n: number, signed: boolean, little: boolean): string {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(bytes[little ? n - 1 - i : i]);
  if (signed && v >= 1n << BigInt(n * 8 - 1)) v -= 1n << BigInt(n * 8);
  return v.toString();
}

function floatAt(bytes: Uint8Array, n: 4 | 8, little: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  return String(n === 4 ? view.getFloat32(0, little) : view.getFloat64(0, little));
}

/** Every width that fits in `bytes`; 1-byte readings have no byte order. */
export function readings(bytes: Uint8Array): Reading[] {
  const out: Reading[] = [];
  for (const n of [1, 2, 4, 8]) {
    if (bytes.length < n) break;
    for (const signed of [false, true]) {
      out.push({ label: `${signed ? 's' : 'u'}${n * 8}`, be: intAt(bytes, n, signed, false), le: n === 1 ? null : intAt(bytes, n, signed, true) });
    }
  }
  if (bytes.length >= 4) out.push({ label: 'f32', be: floatAt(bytes, 4, false), le: floatAt(bytes, 4, true) });
  if (bytes.length >= 8) out.push({ label: 'f64', be: floatAt(bytes, 8, false), le: floatAt(bytes, 8, true) });
  return out;
}

export function asciiOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}
