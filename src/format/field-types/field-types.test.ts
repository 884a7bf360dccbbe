// Table-driven decode/encode pairs for every leaf type (format.md §3.5): bytes decode to a value,
// the value encodes back to the same bytes, and so does the text it edits as.
import { describe, expect, it } from 'vitest';
import { Cursor } from '../cursor.ts';
import { prng } from '../testing/fixtures.ts';
import { decodeLeaf, fieldType, hexToBytes, readInt } from './index.ts';

const encodeLeaf = (type: string, size: number, text: string) => fieldType(type, size).parse(text, size);

const cases: [string, number[], unknown][] = [
  ['bool', [0], false],
  ['bool', [1], true],
  ['bool', [7], 7],
  ['int8', [0xff], -1],
  ['uint8', [0xff], 255],
  ['int16', [0x80, 0x00], -32768],
  ['uint16 equal', [0x12, 0x34], 0x1234],
  ['int32', [0xff, 0xff, 0xff, 0xfe], -2],
  ['int32 le', [0, 0, 0, 3], 3],
  ['uint32', [0xde, 0xad, 0xbe, 0xef], 0xdeadbeef],
  ['int64', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], -1],
  ['uint64', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], '18446744073709551615'],
  ['int64 equal', [0, 0, 0, 0, 0, 0, 0x10, 0], 4096],
  ['timer', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], null],
  ['timer', [0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0], 1_000_000_000],
  ['CPU_Double_U', [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], Math.PI],
  ['CPU_Double_U', [0x80, 0, 0, 0, 0, 0, 0, 0], '-0'],
  ['CPU_Double_U', [0x7f, 0xf8, 0, 0, 0, 0, 0, 1], '0x7ff8000000000001'],
  ['capability', [15, ...'x-ignore-shared'.split('').map((c) => c.charCodeAt(0))], 'x-ignore-shared'],
  ['buffer', [1, 2, 0xab], Uint8Array.of(1, 2, 0xab)],
  // Xen's save.h structures are little-endian (le-integers.ts).
  ['le uint16', [0x34, 0x12], 0x1234],
  ['le uint32', [0xef, 0xbe, 0xad, 0xde], 0xdeadbeef],
  ['le uint64', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], '18446744073709551615'],
  ['le uint64', [0x02, 0x02, 0, 0, 0, 0, 0x11, 0x11], '1229764173248856578'],
  ['bitmap', [0, 0, 0, 0, 0, 0, 0, 5], Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5)],
  ['unused_buffer', [0, 0], Uint8Array.of(0, 0)],
  ['nullptr', [0x30], 'nullptr'],
];

describe.each(cases)('%s %j', (type, bytes, value) => {
  it('decodes and encodes back to the same bytes', () => {
    const win = { bytes: Uint8Array.from(bytes), base: 100, atEnd: true };
    const c = new Cursor(win);
    expect(decodeLeaf(c, type, bytes.length)).toEqual(value);
    expect(c.pos).toBe(100 + bytes.length);
    const t = fieldType(type, bytes.length);
    expect(t.encode(value as never, bytes.length)).toEqual({ ok: true, bytes: Uint8Array.from(bytes) });
    if (type === 'nullptr') return;
    const enc = encodeLeaf(type, bytes.length, t.text(value as never, bytes.length));
    expect(enc).toEqual({ ok: true, bytes: Uint8Array.from(bytes) });
  });
});

describe('encoding user input', () => {
  it.each([
    ['uint8', 1, '256', /does not fit in 8 bits/],
    ['int16', 2, '0x1_0000', /does not fit/],
    ['uint32', 4, '12abc', /not an integer/],
    ['timer', 8, 'soon', /not a timer/],
    ['bool', 1, 'maybe', /not a bool/],
    ['buffer', 3, '0102', /2 bytes given, the field holds 3/],
    ['capability', 6, 'longer-name', /keeps the record size/],
  ])('%s refuses %s', (type, size, text, reason) => {
    const r = encodeLeaf(type, size, text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('accepts hex, decimal, negative and the unsigned spelling of negative numbers', () => {
    expect(encodeLeaf('int8', 1, '0xff')).toEqual({ ok: true, bytes: Uint8Array.of(0xff) });
    expect(encodeLeaf('int8', 1, '-1')).toEqual({ ok: true, bytes: Uint8Array.of(0xff) });
    expect(encodeLeaf('uint16', 2, '4660')).toEqual({ ok: true, bytes: Uint8Array.of(0x12, 0x34) });
    expect(encodeLeaf('timer', 8, 'not armed')).toEqual({ ok: true, bytes: new Uint8Array(8).fill(0xff) });
  });

  it('never reads past the end of the file: a short read is a typed error with the offset', () => {
    const c = new Cursor({ bytes: Uint8Array.of(1, 2), base: 50, atEnd: true });
    expect(() => decodeLeaf(c, 'uint32', 4)).toThrowError(/Unexpected end of file at byte 50 \(0x32\): uint32: 4 byte\(s\) needed, 2 left/);
  });
});

describe('Cursor.int (the decoders\' integer fast path)', () => {
  // The reference: bytes to BigInt, exact numbers as numbers, the rest as decimal strings.
  const reference = (b: Uint8Array, signed: boolean) => {
    const v = readInt(b, signed);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  };
  const edges = ['00', '01', '7f', '80', 'ff', '7fff', '8000', 'ffff', '7fffffff', '80000000', 'ffffffff', '001fffffffffffff', '0020000000000000',
    'ffe0000000000001', 'ffe0000000000000', 'ffdfffffffffffff', '7fffffffffffffff', '8000000000000000', 'ffffffffffffffff', '0000000100000000', 'fffffffeffffffff'];
  const next = prng(99);
  const random = Array.from({ length: 400 }, () => {
    const n = [1, 2, 4, 8][Math.floor(next() * 4)];
    return Array.from({ length: n }, () => Math.floor(next() * 256).toString(16).padStart(2, '0')).join('');
  });
  it.each([...edges, ...random].flatMap((hex) => [[hex, true], [hex, false]] as const))('%s signed=%s', (hex, signed) => {
    const b = hexToBytes(hex)!;
    const c = new Cursor({ bytes: b, base: 0, atEnd: true });
    expect(c.int(b.length as 1 | 2 | 4 | 8, signed)).toStrictEqual(reference(b, signed));
    expect(c.pos).toBe(b.length);
  });
});
