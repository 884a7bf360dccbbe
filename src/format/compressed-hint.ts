// A bare stream saved through a compressor (`migrate "exec:gzip -c > vm.gz"`, a common way to keep
// a VM's state) fails the stream's magic check with "found 1f 8b ...", which names no cause. The
// scan's message is left as it is (scan.ts); the CLI and the worker add this hint where they open
// a file: the compressor, by its magic (container/types.ts CODEC_MAGIC), and the command that
// gives the stream back. One text for both, so the page and the CLI say the same.
import type { ByteSource } from './byte-source.ts';
import { codecOfBytes } from './container/types.ts';
import type { StreamModel } from './model.ts';

const EXTENSIONS: Record<string, string> = { gzip: '.gz', bzip2: '.bz2', xz: '.xz', lzop: '.lzo', zstd: '.zst' };

/** A file name as a shell word: quoted when it holds anything but plain characters. */
const shellWord = (s: string) => (/^[\w./@+,:=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The hint for a file whose first bytes are a compressor's, or null. `name`: the file as the person gave it. */
export function compressedHint(head: Uint8Array, name: string): string | null {
  const codec = codecOfBytes(head);
  if (!codec || codec === 'raw' || codec === 'mapped') return null;
  const ext = EXTENSIONS[codec];
  const dir = name.slice(0, name.lastIndexOf('/') + 1);
  const base = name.slice(dir.length);
  const stripped = base.endsWith(ext) && base.length > ext.length ? base.slice(0, -ext.length) : base;
  // "vm.gz" -> "vm.bin", "state.bin.gz" -> "state.bin": never the compressed file's own name.
  const out = stripped !== base && stripped.includes('.') ? stripped : `${stripped}.bin`;
  return `it is ${codec === 'xz' ? 'an' : 'a'} ${codec}-compressed file (as \`migrate "exec:${codec} -c > FILE"\` writes one), not a QEMU stream: decompress it first, \`${codec} -dc ${shellWord(name)} > ${shellWord(dir + out)}\`, and open that`;
}

/** The hint for a bare source, read from its first bytes (the longest magic, lzop's, is 9). */
export async function compressedSourceHint(source: ByteSource, name: string): Promise<string | null> {
  return source.size < 2 ? null : compressedHint(await source.read(0, 16), name);
}

/** The page's model: the hint joined to the scan's "Not a QEMU migration stream" at byte 0. */
export async function withCompressedHint(model: StreamModel, source: ByteSource, name: string): Promise<StreamModel> {
  const i = model.problems.findIndex((p) => p.code === 'bad-magic' && p.offset === 0);
  if (i < 0) return model;
  const hint = await compressedSourceHint(source, name);
  if (!hint) return model;
  const problems = model.problems.slice();
  problems[i] = { ...problems[i], message: `${problems[i].message}; ${hint}` };
  return { ...model, problems };
}
