// The data inspector's readings of the bytes at the selection start.

export interface Reading {
  label: string;
  /** null when fewer bytes than the width remain in the file. */
  be: string | null;
  le: string | null;
}

const WIDTHS = [1, 2, 4, 8];

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

/**
 * The same rows whatever `bytes` holds (undefined: not loaded yet), so the inspector keeps its
 * height and the hex view above it does not jump. 1-byte readings have no byte order.
 */
export function readings(bytes: Uint8Array | undefined): Reading[] {
  const fits = (n: number) => bytes !== undefined && bytes.length >= n;
  const out: Reading[] = [];
  for (const n of WIDTHS) {
    for (const signed of [false, true]) {
      const ok = fits(n);
      out.push({
        label: `${signed ? 's' : 'u'}${n * 8}`,
        be: ok ? intAt(bytes!, n, signed, false) : null,
        le: n === 1 ? null : ok ? intAt(bytes!, n, signed, true) : null,
      });
    }
  }
  out.push({ label: 'f32', be: fits(4) ? floatAt(bytes!, 4, false) : null, le: fits(4) ? floatAt(bytes!, 4, true) : null });
  out.push({ label: 'f64', be: fits(8) ? floatAt(bytes!, 8, false) : null, le: fits(8) ? floatAt(bytes!, 8, true) : null });
  return out;
}

export function asciiOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}
