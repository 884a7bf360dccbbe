// `ram FILE [CHANNEL...] -o DIR`: guest RAM out of a stream, as the destination QEMU would hold it
// after receiving the same files. The pages' last writes come from the format layer's one model
// (multifd-merge.ts mergeMultifd, with no channels for a plain stream; ram-image.ts plans the
// reads); this file only reads them in slices and writes them.
// Output: one sparse file per block (pages never sent, zero pages and pages not decoded are holes:
// the file system gives zeros, as the destination's freshly allocated RAM does) and manifest.json.
// DIR appears whole or not at all: everything is written into a hidden sibling, renamed at the end.
import { removeIfInterrupted } from './interrupt.ts';
import { closeSync, ftruncateSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writevSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ByteSource } from '../format/byte-source.ts';
import { formatProblem, type Problem } from '../format/errors.ts';
import { admitChannels, mergeMultifd, multifdRole, scanChannelFiles, sortByRole, type MergedBlock } from '../format/multifd-merge.ts';
import { blockImageCounts, imageNotes, MAX_RECORD_HEADER, recordHeaderLength, sourcePages, type BlockImageCounts } from '../format/ram-image.ts';
import { scanStream, type ScanOptions } from '../format/scan.ts';
import { UsageError } from './args.ts';
import type { OpenedInput } from './container-open.ts';
import { fileSource, type NodeFileSource } from './node-source.ts';

export interface RamRequest {
  file: string;
  channels: string[];
  out: string;
  blocks?: string[];
  scanOptions: (source: ByteSource) => Promise<ScanOptions>;
}

/** Input that cannot give an image: one line, exit 1, nothing written. */
export class RamRefused extends Error {}

const WINDOW = 4 * 1024 * 1024;
/** Most pieces one writev takes (Linux IOV_MAX). */
const IOV_MAX = 1024;

/**
 * A block's file name: its idstr with every byte outside [A-Za-z0-9._@+,=-] (and a leading dot)
 * written %XX, so no name is a path, hidden, or another block's; very long names are cut and
 * told apart by their position in the list.
 */
export function blockFileName(name: string, index: number): string {
  let safe = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    safe += /[A-Za-z0-9_@+,=-]/.test(ch) || (ch === '.' && i > 0) ? ch : `%${name.charCodeAt(i).toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return safe.length > 200 ? `${safe.slice(0, 200)}~${index}.bin` : `${safe}.bin`;
}

export async function runRam(req: RamRequest, openInput: (f: string) => Promise<OpenedInput>, err: (s: string) => void): Promise<{ dir: string; blocks: number; bytes: number }> {
  const input = await openInput(req.file);
  const channelFiles: NodeFileSource[] = [];
  try {
    const { stream, container } = input;
    const head = await stream.read(0, 4);
    if (multifdRole(head) === 'channel') {
      throw new UsageError(`${req.file} is a multifd channel file: its packets carry no RAM block lengths; name the main channel (the QEVM stream) first, then its channel files`);
    }
    const { model, ram } = await scanStream(stream, await req.scanOptions(stream));
    const damage = [...(container?.problems ?? []), ...model.problems].find((p) => p.severity === 'error');
    if (damage) throw new RamRefused(`${req.file}: ${formatProblem(damage)}`);
    if (model.variant !== 'migration' || model.ramBlocks.length === 0) throw new RamRefused(`${req.file} carries no guest RAM: it is not a migration stream announcing RAM blocks (${model.variant})`);

    // Channels: sorted and refused by the page's rules; any refusal or damage stops the command.
    for (const c of req.channels) channelFiles.push(await fileSource(c));
    const roles = await Promise.all(channelFiles.map(async (s) => multifdRole(await s.read(0, 4))));
    const sorted = sortByRole(['main', ...roles], [req.file, ...req.channels], 0)!;
    const scanned = await scanChannelFiles(sorted.channels.map((i) => ({ name: req.channels[i - 1], source: channelFiles[i - 1] })), model.pageSize);
    const verdict = admitChannels(model, [], scanned.candidates);
    const refused = [...sorted.refused, ...verdict.refused];
    if (refused.length) throw new RamRefused(refused.map((r) => `${r.name}: not a channel of ${req.file}: ${r.reason}`).join('\n'));
    const damaged = scanned.candidates.find((c) => c.error);
    if (damaged) throw new RamRefused(`${damaged.name}: ${formatProblem(damaged.error as Problem)}`);
    // Sources: 0 the main stream, i the i-th admitted channel (mergeMultifd's numbering).
    const admitted = verdict.admitted as typeof scanned.candidates;
    const sources: ByteSource[] = [stream, ...admitted.map((c) => c.input.source)];

    const merged = mergeMultifd(model, ram, admitted);
    let blocks = [...merged.blocks.values()];
    if (req.blocks?.length) {
      const unknown = req.blocks.find((n) => !merged.blocks.has(n));
      if (unknown !== undefined) throw new RamRefused(`${req.file} has no RAM block "${unknown}"; its blocks: ${blocks.map((b) => `"${b.name}"`).join(', ')}`);
      blocks = blocks.filter((b) => req.blocks!.includes(b.name));
    }
    const unsized = blocks.find((b) => b.length === 0);
    if (unsized) throw new RamRefused(`${req.file}: RAM block "${unsized.name}" has no announced length (no MEM_SIZE record), so its image has no size`);
    const warnings = [...merged.notes];
    const counts = blocks.map(blockImageCounts);
    blocks.forEach((b, i) => warnings.push(...imageNotes(b.name, counts[i])));
    // A multifd main channel named alone: it sends no page data of its own (the page's "Add
    // multifd channels…" test) and leaves pages never sent, which a plain stream never does.
    const ownData = model.records.some((r) => r.ram && r.ram.pages + r.ram.xbzrle + r.ram.compressed > 0);
    const notSent = counts.reduce((n, c) => n + c.notSent, 0);
    if (!req.channels.length && !ownData && notSent) warnings.push(`${req.file} carries no page data of its own and leaves ${notSent} page(s) never sent: a multifd migration's main channel sends its pages on its channel files; name them after it`);

    const direct = blocks.map((b) => ram.blocks.get(b.name)?.direct ?? false);
    const files = blocks.map((b, i) => blockFileName(b.name, i));
    const written = await writeDirectory(req.out, async (tmp) => {
      const fds = files.map((f) => openSync(join(tmp, f), 'wx'));
      try {
        for (const s of sourcePages(blocks)) await copyPages(sources[s.source], s, blocks, fds, model.pageSize, s.source === 0 ? direct : null);
        blocks.forEach((b, i) => ftruncateSync(fds[i], b.length));
      } finally {
        for (const fd of fds) closeSync(fd);
      }
      writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest(req, model.pageSize, blocks, files, counts, warnings), null, 1) + '\n', { flag: 'wx' });
    });
    for (const w of warnings) err(`warning: ${w}\n`);
    blocks.forEach((b, i) => err(`${b.name}: ${summary(counts[i])} -> ${join(written, files[i])} (${b.length} bytes)\n`));
    return { dir: written, blocks: blocks.length, bytes: counts.reduce((n, c) => n + c.data * model.pageSize, 0) };
  } finally {
    for (const c of channelFiles) await c.close();
    await input.close();
  }
}

const summary = (c: BlockImageCounts) =>
  `${c.data} page(s) written, ${c.zero} zero page(s), ${c.notSent} page(s) never sent${c.notDecoded ? `, ${c.notDecoded} not decoded` : ''}`;

function manifest(req: RamRequest, pageSize: number, blocks: MergedBlock[], files: string[], counts: BlockImageCounts[], warnings: string[]) {
  return {
    description: 'Guest RAM as a destination QEMU would hold it after receiving these files: each block\'s pages from their last write; zero pages, pages never sent and pages not decoded are zeros (holes). Written by vmstate-explorer ram.',
    stream: basename(req.file),
    channels: req.channels.map((c) => basename(c)),
    pageSize,
    blocks: blocks.map((b, i) => ({ name: b.name, file: files[i], length: b.length, pageSize, pagesWritten: counts[i].data, zeroPages: counts[i].zero, pagesNeverSent: counts[i].notSent, pagesNotDecoded: counts[i].notDecoded })),
    warnings,
  };
}

/**
 * Runs `fill` on a new hidden directory beside `out` and renames it to `out` once it has
 * succeeded; on any failure the directory is removed, so `out` never holds a partial image.
 */
async function writeDirectory(out: string, fill: (dir: string) => Promise<void>): Promise<string> {
  if (!existsSync(dirname(out))) throw new RamRefused(`${dirname(out)}: no such directory to make ${basename(out)} in`);
  const tmp = mkdtempSync(join(dirname(out), `.${basename(out)}.partial-`));
  // Interrupted (Ctrl-C, kill): the partial directory goes too. The signal is handled between windows (copyPages).
  const done = removeIfInterrupted(tmp);
  try {
    await fill(tmp);
    // rename() would replace an empty directory made meanwhile: never overwrite, as the CLI promises.
    if (existsSync(out)) throw new Error(`${out} already exists: the output is never overwritten; remove it or name another file`);
    renameSync(tmp, out);
    return out;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    done();
  }
}

/**
 * Copies one source's data pages (sorted by offset: sourcePages) into the block files, reading
 * the source front to back in 4 MiB windows and writing runs of consecutive pages with one
 * writev. `direct`: per block, whether the main channel's offsets are the page bytes' own
 * (mapped-ram) rather than a record's; null for a channel file (always the bytes').
 */
async function copyPages(source: ByteSource, s: ReturnType<typeof sourcePages>[number], blocks: MergedBlock[], fds: number[], ps: number, direct: boolean[] | null): Promise<void> {
  let win: Uint8Array = new Uint8Array(0);
  let winBase = 0;
  // One buffer for every window when the source can fill one: a new 4 MiB array per window cost
  // the 1 GiB bench stream 2.05 s of system time instead of 0.72 (page faults of fresh memory) and
  // 176 MiB peak RSS instead of 145. The pending pieces are written before it is refilled.
  let buffer: Uint8Array | null = null;
  const read = async (at: number, length: number) => {
    if (!source.readInto) return source.read(at, length);
    if (!buffer || buffer.length < length) buffer = new Uint8Array(length);
    const got = await source.readInto(at, buffer.subarray(0, Math.min(length, source.size - at)));
    buffer = new Uint8Array(got.buffer, 0, buffer.length); // readInto may move the memory to a new ArrayBuffer
    return got;
  };
  let pending: { fd: number; position: number; pieces: Uint8Array[] } | null = null;
  const flush = () => {
    if (!pending) return;
    let position = pending.position;
    for (let i = 0; i < pending.pieces.length; i += IOV_MAX) {
      const part = pending.pieces.slice(i, i + IOV_MAX);
      writevSync(pending.fd, part, position);
      position += part.reduce((n, p) => n + p.length, 0);
    }
    pending = null;
  };
  for (let k = 0; k < s.at.length; k++) {
    const at = s.at[k];
    const bi = s.block[k];
    const isRecord = direct !== null && !direct[bi];
    const need = Math.min((isRecord ? MAX_RECORD_HEADER : 0) + ps, source.size - at);
    if (at < winBase || at + need > winBase + win.length) {
      flush(); // the pieces are views of the window being replaced
      // A synchronous file's reads resolve at once: let the event loop run once a window, so an
      // interruption (writeDirectory's signal handlers) is seen during a multi-GiB copy.
      await new Promise(setImmediate);
      win = await read(at, Math.max(WINDOW, need));
      winBase = at;
    }
    const rel = at - winBase;
    const header = isRecord ? recordHeaderLength(win, rel) : 0;
    if (header < 0 || rel + header + ps > win.length) throw new RamRefused(`the page at ${at} of "${blocks[bi].name}" is cut off by the end of the file`);
    const piece = win.subarray(rel + header, rel + header + ps);
    const fd = fds[bi];
    const position = s.page[k] * ps;
    const p = pending as { fd: number; position: number; pieces: Uint8Array[] } | null;
    if (p && p.fd === fd && p.position + p.pieces.length * ps === position) p.pieces.push(piece);
    else {
      flush();
      pending = { fd, position, pieces: [piece] };
    }
  }
  flush();
}
