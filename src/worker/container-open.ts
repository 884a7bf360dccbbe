// Opens a dropped file through the container layer (format/container): a bare stream as it is, a
// raw libvirt image as a Blob slice of its stream, a compressed one decompressed front to back by
// the browser's DecompressionStream into a spill file in the Origin Private File System. The
// spill's File is then read like any dropped file, so scan, hex view, edits and downloads work on
// the stream unchanged. The spill is removed when the file is closed or replaced.

import { blobSource } from '../format/byte-source.ts';
import { CancelledError, makeProblem } from '../format/errors.ts';
import { inflate } from '../format/container/inflate.ts';
import { sniffContainer } from '../format/container/sniff.ts';
import type { Codec, ContainerInfo } from '../format/container/types.ts';
import { openSpill } from './spill.ts';

export interface OpenedContainer {
  /** The QEMU stream as a Blob: the file, a slice of it, or the decompressed spill. */
  inner: Blob;
  info: ContainerInfo | null;
  close(): Promise<void>;
}

/** Compressors the browser itself decodes; the rest are refused with the reason. */
function browserDecoder(codec: Codec): ReadableWritablePair<Uint8Array, Uint8Array> | null {
  if (codec === 'gzip' && typeof DecompressionStream === 'function') return new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return null;
}

export async function openContainer(file: Blob, opts: { signal?: AbortSignal; onProgress?(consumed: number, total: number, produced: number): void } = {}): Promise<OpenedContainer> {
  const source = blobSource(file);
  const info = await sniffContainer(source);
  const none = async () => undefined;
  if (!info) return { inner: file, info, close: none };
  const { offset, size, codec } = info.inner;
  if (codec === 'raw') return { inner: file.slice(offset, offset + size), info, close: none };
  const stream = info.records.find((r) => r.kind === 'stream');
  const report = (p: ReturnType<typeof makeProblem>) => {
    info.problems.push(p);
    stream?.problems.push(p);
  };
  const decoder = browserDecoder(codec);
  if (!decoder) {
    report(makeProblem('bad-container', offset, `a compressor this page can decode (gzip); ${codec} images open in the CLI (vmstate-explorer inspect), or after "virsh save-image-edit"/conversion to raw`));
    return { inner: new Blob([]), info, close: none };
  }
  const spill = await openSpill();
  try {
    const r = await inflate(source, offset, size, codec, decoder, (chunk) => spill.write(chunk), {
      signal: opts.signal,
      limits: { maxBytes: spill.room },
      onProgress: (consumed, produced) => opts.onProgress?.(consumed, size, produced),
    });
    info.streamSize = r.produced;
    if (r.problem) report(r.problem);
    return { inner: await spill.finish(), info, close: () => spill.remove() };
  } catch (e) {
    await spill.remove();
    if (e instanceof CancelledError) throw e;
    throw e;
  }
}
