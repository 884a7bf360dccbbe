// Test support (Node only): the libvirt save images of public/fixtures/libvirt (made by
// scripts/libvirt/make-fixtures.sh with real libvirt 9.0); raw variants are committed gzipped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURE_DIR } from './fixtures.ts';

export function libvirtFixture(name: string): Uint8Array {
  const bytes = readFileSync(join(FIXTURE_DIR, 'libvirt', name));
  return new Uint8Array(name.endsWith('.gz') ? gunzipSync(bytes) : bytes);
}

/** Where the QEMU stream starts in a libvirt image (after the header and data_len). */
export const streamStart = (image: Uint8Array) => 92 + new DataView(image.buffer, image.byteOffset).getUint32(20, true);

/** Command line of each compressor as libvirt runs it (qemuSaveImageGetCompressionProgram: `PROG -c`). */
export const COMPRESSORS = { gzip: ['gzip', '-c'], bzip2: ['bzip2', '-c'], xz: ['xz', '-c'], lzop: ['lzop', '-c'], zstd: ['zstd', '-q', '-c'] } as const;
const FORMAT_NUMBER = { gzip: 1, bzip2: 2, xz: 3, lzop: 4, zstd: 5 } as const;

/** `bytes` through the real compressor program, as libvirt pipes the stream through it. */
export function compressWith(codec: keyof typeof COMPRESSORS, bytes: Uint8Array, extra: string[] = []): Uint8Array {
  const [cmd, ...args] = COMPRESSORS[codec];
  const r = spawnSync(cmd, [...args, ...extra], { input: bytes, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/**
 * raw.sav (real libvirt 9.0) with its stream compressed by the real program and `compressed` set
 * to match: the zstd image libvirt >= 10.4 would write, which 9.0 refuses to make.
 */
export function recompressedImage(codec: keyof typeof COMPRESSORS): Uint8Array {
  const raw = libvirtFixture('raw.sav');
  const start = streamStart(raw);
  const head = raw.slice(0, start);
  new DataView(head.buffer).setUint32(28, FORMAT_NUMBER[codec], true);
  const body = compressWith(codec, raw.subarray(start));
  const out = new Uint8Array(start + body.length);
  out.set(head);
  out.set(body, start);
  return out;
}
