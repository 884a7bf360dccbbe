// Opens a file for the CLI through the container layer: a bare stream as it is, a raw libvirt
// image as the sub-range holding its stream, a compressed one decompressed front to back (by the
// same format/container/codecs decoders the worker uses) into a temporary file (removed on close) that is then read like any other file.

// What only a compressed image needs (the codecs, the spill, node:fs/promises and node:os) is
// imported when one is opened: loading it cost every bare stream's `inspect` start-up time.
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { subSource } from '../format/byte-source.ts';
import { compressedSourceHint } from '../format/compressed-hint.ts';
import type { InflateLimits } from '../format/container/inflate.ts';
import { qcow2StateSource } from '../format/container/qcow2.ts';
import { sniffContainer } from '../format/container/sniff.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { removeIfInterrupted } from './interrupt.ts';
import { fileSource, type NodeFileSource } from './node-source.ts';

export interface OpenedInput {
  /** The whole file as it is on disk. */
  file: NodeFileSource;
  /** The QEMU stream: the file itself, a sub-range of it, or the decompressed spill. */
  stream: NodeFileSource;
  container: ContainerInfo | null;
  close(): Promise<void>;
}

/** `IMAGE@SNAPSHOT` names a qcow2 snapshot, when IMAGE exists and the whole name does not. */
export function splitSnapshot(path: string): { path: string; snapshot?: string } {
  const at = path.lastIndexOf('@');
  if (at > 0 && !existsSync(path) && existsSync(path.slice(0, at))) return { path: path.slice(0, at), snapshot: path.slice(at + 1) };
  return { path };
}

export async function openInput(name: string, limits: Partial<InflateLimits> = {}, onProgress?: (consumed: number, produced: number) => void): Promise<OpenedInput> {
  const { path, snapshot } = splitSnapshot(name);
  const file = await fileSource(path);
  try {
    const container = await sniffContainer(file, { snapshot });
    if (!container) {
      // A compressed bare stream is refused with the command that undoes it, before any scan: the
      // scan could only say "found 1f 8b ..." (compressed-hint.ts; the page adds the same words).
      const hint = await compressedSourceHint(file, name);
      if (hint) throw new Error(`${name}: ${hint}`);
      return { file, stream: file, container, close: () => file.close() };
    }
    if (snapshot !== undefined && container.kind !== 'qcow2') throw new Error(`${path} is not a qcow2 image: "@${snapshot}" names a snapshot only in one`);
    const { offset, size, codec } = container.inner;
    if (codec === 'mapped') {
      const empty = { size: 0, read: async () => new Uint8Array(0) };
      const state = container.qcow2?.chosen !== undefined ? await qcow2StateSource(file, container) : empty;
      return { file, stream: { ...state, read: state.read.bind(state), close: async () => undefined }, container, close: () => file.close() };
    }
    if (codec === 'raw') {
      const stream = { ...subSource(file, offset, size), close: async () => undefined };
      return { file, stream, container, close: () => file.close() };
    }
    const [{ mkdtemp, rm, statfs }, { tmpdir }, { inflate }, { nodeDecoder }, { SpillFile }] = await Promise.all([
      import('node:fs/promises'), import('node:os'), import('../format/container/inflate.ts'), import('./node-codecs.ts'), import('./spill-file.ts'),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'vmstate-explorer-'));
    const spillPath = join(dir, 'stream.bin');
    const kept = removeIfInterrupted(dir);
    const removeSpill = async () => {
      await rm(dir, { recursive: true, force: true });
      kept();
    };
    try {
      // The pipeline overlaps on the machine's cores: compressed reads and spill writes go
      // through Node's thread pool (so does zlib's inflate for gzip) while the main thread decodes.
      // Bounded by the free space of the temporary directory, less a margin for everyone else.
      const fs = await statfs(dir);
      const room = Math.max(0, fs.bavail * fs.bsize - (256 << 20));
      // The spill first: if it cannot be made, no read source is left open.
      const fd = openSync(spillPath, 'wx');
      const reads = await fileSource(path, { threadPool: true }).catch((e) => {
        closeSync(fd);
        throw e;
      });
      const out = new SpillFile(fd);
      try {
        const r = await inflate(reads, offset, size, codec, (chunk) => out.write(chunk), {
          // Everything gathered reaches the file before it is read (finish).
          limits: { maxBytes: room, ...limits }, onProgress, decoder: nodeDecoder, drain: () => out.settle(), finish: () => out.flush(),
        });
        container.streamSize = r.produced;
        if (r.problem) {
          container.problems.push(r.problem);
          container.records.find((x) => x.kind === 'stream')?.problems.push(r.problem);
        }
      } finally {
        // No write may still be on its way when the descriptor closes (a reused number would take it).
        await out.stopped();
        await reads.close();
        closeSync(fd);
      }
      const spill = await fileSource(spillPath);
      const stream: NodeFileSource = { ...spill, close: async () => { await spill.close(); await removeSpill(); } };
      return { file, stream, container, close: async () => { await stream.close(); await file.close(); } };
    } catch (e) {
      await removeSpill();
      throw e;
    }
  } catch (e) {
    await file.close();
    throw e;
  }
}
