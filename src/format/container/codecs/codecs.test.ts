// Every decoder against the real compressor programs (the ones libvirt pipes the stream through):
// output byte-identical to the input, whatever the chunking (seeded random splits), and a cut or
// corrupted input gives a CodecError, never a hang or a silently short stream.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prng } from '../../testing/fixtures.ts';
import { compressWith, libvirtFixture, streamStart, COMPRESSORS } from '../../testing/libvirt-fixtures.ts';
import { CodecError, decoderFor, loadDecoder, type DecodingCodec } from './decoder.ts';

const CODECS = Object.keys(COMPRESSORS) as DecodingCodec[];

/**
 * Decodes `input` pushed in pieces of the sizes `sizes()` returns; the output, concatenated. Each
 * piece is pushed from one reused buffer that is overwritten after the push, as inflate's reads
 * are (a chunk is valid only during its push): a decoder that kept a reference decodes garbage.
 * Every other buffer is then detached, as the worker's BYOB reads detach theirs.
 */
async function decode(codec: DecodingCodec, input: Uint8Array, sizes: () => number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const d = await decoderFor(codec, (out) => parts.push(out.slice()));
  let scratch = new Uint8Array(0);
  for (let at = 0; at < input.length; ) {
    const n = Math.min(input.length - at, sizes());
    if (scratch.length < n) scratch = new Uint8Array(n);
    scratch.set(input.subarray(at, at + n));
    await d.push(scratch.subarray(0, n));
    scratch.fill(0xa5);
    if ((at / n) % 2 < 1) {
      structuredClone(scratch.buffer, { transfer: [scratch.buffer] });
      scratch = new Uint8Array(0);
    }
    at += n;
  }
  await d.end();
  return new Uint8Array(Buffer.concat(parts));
}

const raw = libvirtFixture('raw.sav');
const stream = raw.subarray(streamStart(raw));
// A QEMU stream (mostly RAM pages) followed by incompressible bytes, so blocks both compress and are stored.
const data = new Uint8Array(Buffer.concat([stream, randomBytes(600_000), stream]));

describe('decoders against the real compressors', { timeout: 120_000 }, () => {
  it.each(CODECS)('%s: a QEMU stream and random bytes come back byte-identical, in any chunking', async (codec) => {
    const packed = compressWith(codec, data);
    expect(Buffer.from(await decode(codec, packed, () => 1 << 20)).equals(Buffer.from(data))).toBe(true);
    const seed = 0x5eed + codec.length;
    const rnd = prng(seed);
    const odd = await decode(codec, packed, () => 1 + Math.floor(rnd() * 70_000));
    expect(Buffer.from(odd).equals(Buffer.from(data)), `seed ${seed}`).toBe(true);
  });

  it.each([['-1'], ['-3'], ['-9']])('lzop %s (LZO1X-1, LZO1X-1(15), LZO1X-999) decodes with its checksums verified', async (level) => {
    const packed = compressWith('lzop', data, [level]);
    expect(Buffer.from(await decode('lzop', packed, () => 1 << 18)).equals(Buffer.from(data))).toBe(true);
  });

  it('zstd: concatenated frames, tiny ones among them (a frame header next to a cut), in any chunking', async () => {
    // `zstd` writes one frame per input; tiny frames sit within fzstd's 18-byte frame start.
    const tiny = [new Uint8Array(0), new Uint8Array([7]), new Uint8Array(40).fill(3)];
    const inputs = [stream.subarray(0, 300_000), ...tiny, randomBytes(200_000), ...tiny, stream.subarray(300_000)];
    const packed = new Uint8Array(Buffer.concat(inputs.map((i) => compressWith('zstd', i))));
    const want = Buffer.concat(inputs);
    for (const seed of [1, 2, 3]) {
      const rnd = prng(seed);
      const out = await decode('zstd', packed, () => 1 + Math.floor(rnd() * (seed === 1 ? 40 : 140_000)));
      expect(Buffer.from(out).equals(want), `seed ${seed}`).toBe(true);
    }
  });

  it.each(CODECS)('%s: input cut short is a truncation, with the output before it kept', async (codec) => {
    const packed = compressWith(codec, data);
    let out = 0;
    const d = await decoderFor(codec, (o) => (out += o.length));
    const cut = packed.subarray(0, packed.length - 1000);
    const err = await (async () => {
      for (let at = 0; at < cut.length; at += 65536) await d.push(cut.subarray(at, at + 65536));
      await d.end();
    })().catch((e) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err.truncated, err.message).toBe(true);
    expect(out).toBeGreaterThan(0);
    expect(out).toBeLessThan(data.length);
  });

  it.each(CODECS)('%s: corrupted bytes in the middle give a CodecError (seeded)', async (codec) => {
    const packed = compressWith(codec, data).slice();
    const seed = 77 + codec.length;
    const rnd = prng(seed);
    for (let i = 0; i < 16; i++) packed[Math.floor(packed.length / 3 + rnd() * 4096)] ^= 0xff;
    const err = await decode(codec, packed, () => 1 << 16).then(
      (out) => new Error(`seed ${seed}: decoded ${out.length} bytes without an error`),
      (e) => e,
    );
    expect(err, `seed ${seed}: ${err.message}`).toBeInstanceOf(CodecError);
  });
});

describe('loadDecoder', () => {
  it('loads each codec once; decoderFor makes its decoders from that load', async () => {
    const first = loadDecoder('gzip');
    expect(loadDecoder('gzip')).toBe(first);
    const out: Uint8Array[] = [];
    const d = await (await first)((c) => void out.push(c.slice()));
    await d.push(compressWith('gzip', new TextEncoder().encode('QEVM')));
    await d.end();
    expect(new TextDecoder().decode(new Uint8Array(Buffer.concat(out)))).toBe('QEVM');
    expect(loadDecoder('gzip')).toBe(first);
  });
});
