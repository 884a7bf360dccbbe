// Opens a dropped file through the container layer (format/container): a bare stream as it is, a
// raw libvirt image as a Blob slice of its stream, a compressed one (gzip, bzip2, xz, lzop, zstd)
// decompressed front to back by format/container/codecs into a spill file in the Origin Private
// File System. The
// spill's File is then read like any dropped file, so scan, hex view, edits and downloads work on
// the stream unchanged. The spill is removed when the file is closed or replaced.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { blockReads } from '../format/block-reads.ts';
import { makeProblem } from '../format/errors.ts';
import { loadDecoder, type DecodingCodec } from '../format/container/codecs/decoder.ts';
import { inflate, spaceProblem } from '../format/container/inflate.ts';
import { decodeLibvirtHeader, formatName, isLibvirtMagic, LIBVIRT_HEADER_SIZE } from '../format/container/libvirt.ts';
import { qcow2StateSource } from '../format/container/qcow2.ts';
import { sniffContainer } from '../format/container/sniff.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { inflateNested, NestedUnavailable, type NestedWorker } from './inflate-nested.ts';
import { primedSource } from './primed-source.ts';
import { openSpill, type Spill } from './spill.ts';

/**
 * Codecs decoded in a nested worker: decoders written in JavaScript, whose work the nested
 * worker takes off this thread. Only where that was measured to pay (scripts/bench-nested.ts,
 * inline / nested decoding into the spill, both builds alternating in one browser profile):
 * - zstd: 1.10 quiet (load 2-3, 1a8d154), 1.05 at load 16 (17dd074), 1.11 at load 16 (this change).
 * - lzop: not measured; nested for the same reason as zstd (a JavaScript decoder, a cheap copy).
 * - not gzip: DecompressionStream inflates on the thread that writes to it, so nested it takes
 *   the decoding's longer half off this thread (realistic gzip, scripts/bench-ab.ts with /proc
 *   schedstat: this thread's CPU during the decoding 420-570 ms inline; nested, the nested
 *   thread's 420-480 and this one's 70-150), but every A/B at load 4-11 (two other helpers on
 *   the two cores) had it slower: realistic 827 against 611 ms (0 of 7 pairs faster), random
 *   562/520 (1 of 7); with gz8's reads by this worker, realistic 742/693 (3 of 7) and 792/726
 *   (0 of 5), random 615/552 (3 of 7), bench-nested's median inline / nested 0.80.
 *   The nested gzip path (push-gate.ts, output pieces moved by transfer: inflate-nested.ts
 *   `owned`) stays for VITE_NESTED_DECOMPRESS's build, so `scripts/bench-nested.ts gzip` on a
 *   quiet machine decides: add gzip here if it is faster there.
 * - not xz: nested was slower, 0.87 quiet (load 2-3, 1a8d154), and again under load 13-17 with
 *   the fuzz run on both cores (this change, both builds forced: 0.82 median of 3 pairs, 0.67
 *   median of 5 pairs, 7 of the 8 pairs below 1). xz-decompress's own WebAssembly does the work,
 *   so the nested worker frees little of this thread and adds the batch round trips.
 */
const NESTED_CODECS = new Set(['zstd', 'lzop']);
// Not bzip2 either: a push completes whole 900 kB blocks, and a legitimate block of pages of one
// repeated byte can expand past the nested worker's 1000-times-a-push stop (inflate-nested.ts).

const ENV = (import.meta as { env?: Record<string, string | undefined> }).env;
/** Builds for scripts/bench-nested.ts's comparison: every codec in this worker, or every one but bzip2 nested. */
const INLINE = ENV?.VITE_INLINE_DECOMPRESS === '1';
const ALL_NESTED = ENV?.VITE_NESTED_DECOMPRESS === '1';
const nestable = (codec: string) => (ALL_NESTED ? codec !== 'bzip2' : NESTED_CODECS.has(codec));

/**
 * The nested decompression worker, where this scope can start one (Chromium, Firefox, Safari
 * >= 15.4 in a dedicated worker; not Node, where the unit tests run the same code inline).
 */
function spawnNested(): NestedWorker | null {
  if (typeof Worker !== 'function' || INLINE) return null;
  try {
    return new Worker(new URL('./inflate-worker.ts', import.meta.url), { type: 'module', name: 'vmstate-inflate' }) as unknown as NestedWorker;
  } catch {
    return null;
  }
}

export interface OpenedContainer {
  /** The QEMU stream as a Blob: the file, a slice of it, or the decompressed spill. */
  inner: Blob;
  info: ContainerInfo | null;
  close(): Promise<void>;
}

/** Bytes of a qcow2 VM state outside plain data clusters that are read into memory at most. */
const MAX_UNMAPPED = 64 * 1024 * 1024;

/**
 * A qcow2 snapshot's VM state as a Blob made of slices of the image, one per extent; the few bytes
 * in zero or compressed clusters between extents are read (inflated) through the snapshot's tables.
 */
async function qcow2StateBlob(file: Blob, source: ByteSource, info: ContainerInfo): Promise<Blob> {
  const q = info.qcow2;
  if (!q || q.chosen === undefined) return new Blob([]);
  if (q.unmapped > MAX_UNMAPPED) {
    info.problems.push(makeProblem('bad-container', 0, `a VM state stored in data clusters: ${q.unmapped} of its bytes are zero or compressed clusters, more than the ${MAX_UNMAPPED} this page reads into memory (the CLI reads it: vmstate-explorer inspect IMAGE@SNAPSHOT)`));
    return new Blob([]);
  }
  const state = await qcow2StateSource(source, info);
  const parts: BlobPart[] = [];
  let at = 0;
  for (const e of q.extents) {
    if (e.offset > at) parts.push((await state.read(at, e.offset - at)) as Uint8Array<ArrayBuffer>);
    parts.push(file.slice(e.host, e.host + e.length));
    at = e.offset + e.length;
  }
  if (at < state.size) parts.push((await state.read(at, state.size - at)) as Uint8Array<ArrayBuffer>);
  return new Blob(parts);
}

const DECODING = new Set<string>(['gzip', 'bzip2', 'xz', 'lzop', 'zstd']);

/**
 * The codec a libvirt image's header declares, read from the first block (which the sniff reads
 * next from blockReads' cache, so this costs no round trip of its own); null for anything else.
 * Only a guess: the sniff decides (it checks the stream's own magic).
 */
async function declaredCodec(source: ByteSource): Promise<{ codec: DecodingCodec; streamAt: number } | null> {
  if (source.size < LIBVIRT_HEADER_SIZE) return null;
  const head = await source.read(0, LIBVIRT_HEADER_SIZE);
  if (head.length < LIBVIRT_HEADER_SIZE || !isLibvirtMagic(head)) return null;
  const header = decodeLibvirtHeader(head);
  const name = formatName(header.format);
  return DECODING.has(name) ? { codec: name as DecodingCodec, streamAt: LIBVIRT_HEADER_SIZE + header.dataLen } : null;
}

/** The first compressed read in this worker's inflate (inflate.ts reads 1 MiB at a time). */
const FIRST_READ = 1 << 20;

/** `onInfo`: the container's records as soon as they are read, before any stream is prepared. */
export async function openContainer(file: Blob, opts: { signal?: AbortSignal; snapshot?: string; onProgress?(consumed: number, total: number, produced: number): void; onInfo?(info: ContainerInfo): void; nested?: boolean } = {}): Promise<OpenedContainer> {
  const plain = blobSource(file);
  const source = blockReads(plain);
  // A compressed libvirt image: its spill (OPFS round trips, ~20-60 ms) and the codec's module
  // are asked for while the sniff reads the XML and cookie, not after it (a CPU profile of a gzip
  // open: the decode worker idle ~60 ms between the open's message and the first push).
  const header = await declaredCodec(source).catch(() => null);
  const declared = header?.codec ?? null;
  const early = declared ? openSpill() : null;
  early?.catch(() => undefined);
  const decodesHere = (codec: string) => opts.nested === false || !nestable(codec);
  if (declared && decodesHere(declared)) loadDecoder(declared).catch(() => undefined);
  // The stream's first compressed MiB is read during the sniff too (primed-source.ts).
  const streamReads = header && decodesHere(header.codec) ? primedSource(blobSource(file, 0), header.streamAt, FIRST_READ) : null;
  // A nested worker's thread and script start during the sniff too (its codec loads there).
  const earlyNested = declared && !decodesHere(declared) ? spawnNested() : null;
  let info: ContainerInfo | null;
  try {
    // A qcow2 image's snapshot list goes to the page as soon as its table is read (onList).
    info = await sniffContainer(source, { snapshot: opts.snapshot, onList: opts.onInfo });
  } catch (e) {
    earlyNested?.terminate();
    await dropSpill(early);
    throw e;
  }
  if (info) opts.onInfo?.(info);
  const none = async () => undefined;
  if (!info || info.inner.codec === 'raw' || info.inner.codec === 'mapped') {
    earlyNested?.terminate();
    await dropSpill(early);
  }
  if (!info) return { inner: file, info, close: none };
  const { offset, size, codec } = info.inner;
  if (codec === 'raw') return { inner: file.slice(offset, offset + size), info, close: none };
  if (codec === 'mapped') return { inner: await qcow2StateBlob(file, source, info), info, close: none };
  const stream = info.records.find((r) => r.kind === 'stream');
  const report = (p: ReturnType<typeof makeProblem>) => {
    info.problems.push(p);
    stream?.problems.push(p);
  };
  // The codec's module loads while the spill is opened (inflate's decoderFor then finds it); a
  // failed load is reported there. A nested worker (started during the sniff when the header
  // declared its codec) is given its job at once: it reads and decodes while the spill may still
  // be opening, its first batches waiting for it (inflate-nested.ts `writer`).
  const here = decodesHere(codec);
  if (here && codec !== declared) loadDecoder(codec).catch(() => undefined);
  const nested = here ? null : codec === declared ? earlyNested : spawnNested();
  if (nested !== earlyNested) earlyNested?.terminate();
  const opening = early ?? openSpill();
  let spill: Spill | undefined;
  try {
    const onProgress = (consumed: number, produced: number) => opts.onProgress?.(consumed, size, produced);
    let r = null;
    if (nested) {
      let written = 0;
      const writer = opening.then((s) => {
        spill = s;
        return (chunk: Uint8Array) => {
          // The room is known only once the spill is open; inflate's own check says the same.
          if (written + chunk.length > s.room) throw new Error(`the storage quota leaves ${s.room} bytes and the stream is larger`);
          s.write(chunk);
          written += chunk.length;
        };
      });
      try {
        r = await inflateNested(nested, { file, offset, size, codec }, writer, { signal: opts.signal, onProgress });
        try {
          spill!.flush();
        } catch (e) {
          r.problem ??= spaceProblem(e, offset + r.consumed, r.produced);
        }
      } catch (e) {
        // Nested workers refused here (nothing written yet): this worker decompresses itself.
        if (!(e instanceof NestedUnavailable)) throw e;
      }
    }
    // Front to back through one BYOB stream of the file into inflate's own buffers, whatever the
    // file's size (blobSource streams only from 64 MiB): a fresh Blob slice and ArrayBuffer per
    // 1 MiB read cost the decode worker 2.4 ms per MiB of a 34 MiB gzip image (CPU profile,
    // scripts/bench-profile-compressed.ts), the stream ~0.85.
    const s = (spill ??= await opening);
    r ??= await inflate(streamReads ?? blobSource(file, 0), offset, size, codec, (chunk) => s.write(chunk), { signal: opts.signal, limits: { maxBytes: s.room }, finish: () => s.flush(), onProgress });
    info.streamSize = r.produced;
    if (r.problem) report(r.problem);
    return { inner: await s.finish(), info, close: () => s.remove() };
  } catch (e) {
    await (spill ?? (await opening.catch(() => undefined)))?.remove();
    throw e;
  }
}

/** A spill opened early for an image that turned out not to need one. */
async function dropSpill(early: Promise<Spill> | null): Promise<void> {
  if (!early) return;
  await early.then((s) => s.remove(), () => undefined);
}
