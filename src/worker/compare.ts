// The comparison's side of the worker (issue #13): a second file (the right side) held beside the
// open one (the left), scanned, compared field by field and page by page. The left file's
// sections, bytes and RAM index are the session's; only the right file lives here.
//
// Order of work, so the devices show first and RAM costs about two reads of one file: the right
// file's devices-first comparison, then its scan in lockstep with a walk of the left file's RAM
// index, the pages compared as both pass them (format/diff/ram-lockstep.ts).

import { blobSource, memorySource, type ByteSource } from '../format/byte-source.ts';
import { withCompressedHint } from '../format/compressed-hint.ts';
import { CancelledError, formatProblem } from '../format/errors.ts';
import { scanStream, type ScanResult } from '../format/scan.ts';
import type { ReuseFrom } from '../format/scan-reuse.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { diffSections, type DiffSide } from '../format/diff/sections.ts';
import { hashRam, PageHasher, type PageHashes } from '../format/diff/ram-hash.ts';
import { RamLockstep } from '../format/diff/ram-lockstep.ts';
import { lockstepResult } from '../format/diff/lockstep-result.ts';
import { walkRecords } from '../format/diff/ram-walk.ts';
import { scannedHashes } from '../format/diff/diff-files.ts';
import { compareRam } from '../format/diff/ram-diff.ts';
import { containerDiff } from '../format/diff/container-diff.ts';
import type { DiffResult } from '../format/diff/types.ts';
import type { StreamModel, StreamRecord } from '../format/model.ts';
import { RequestError, type OpenFile } from './open-file.ts';
import { openContainer, type OpenedContainer } from './container-open.ts';
import { libraryFor } from './library-fetch.ts';
import { outline } from './outline.ts';
import { choiceKey } from './candidate-choices.ts';
import { likelyLayouts } from '../format/likely-layouts.ts';
import { hasHeader, preliminaryModel } from './preliminary.ts';
import type { CompareEvent, CompareReply } from './protocol.ts';

export type CompareEmit = (e: CompareEvent) => void;

interface Right {
  name: string;
  source: ByteSource;
  scan: ScanResult;
}

const MAX_BYTES = 16 * 1024 * 1024;
/**
 * Up to this size both files are read whole, at once, into memory: the right file is scanned from
 * there (no slice reads), and the open file's unchanged sections are taken (scan-reuse.ts). Such a
 * file scans in less time than devices first would take, so that step is left out.
 */
const SMALL = 32 * 1024 * 1024;

/**
 * The open file as sections to take: a device-state file decoded by the bundled descriptions, the
 * very library the right file is scanned with (the same candidates for each section).
 */
function reuseFrom(left: OpenFile): ((library: DescriptionLibrary) => Promise<ReuseFrom | undefined>) | null {
  const shown = left.scan.model;
  if (left.scan.vmdesc || left.description || shown.fileSize > SMALL || !shown.records.some((r) => r.decodedBy === 'bundled')) return null;
  // Only sections as the scan decodes them (its first fit): one read with the likely version's or
  // the person's choice of layout would carry that reading into the other file's scan, and its
  // likely versions. Those few sections are decoded there anew.
  const m = left.picks?.size || left.choices?.size ? { ...shown, records: shown.records.filter((r) => !left.picks?.has(choiceKey(r)) && !left.choices?.has(choiceKey(r))) } : shown;
  // The read starts now, beside the right file's (each Blob read waits on the browser process).
  const bytes = left.source.read(0, m.fileSize);
  const own = libraryFor(left.source);
  for (const p of [bytes, own]) p.catch(() => undefined); // awaited below unless the comparison stops first
  return async (library) => ((await own) !== library ? undefined : { model: m, bytes: await bytes });
}
const PROGRESS_MS = 50;

export class CompareSession {
  private running: { id: number; abort: AbortController } | null = null;
  private right: Right | null = null;
  /** The right file's container (a libvirt or qcow2 image around its stream), closed with it. */
  private container: OpenedContainer | null = null;
  private ram: { leftGeneration: number; result: DiffResult['ram'] } | null = null;

  /** `left` is the session's open file, when its scan is complete. */
  constructor(private readonly left: () => OpenFile, private readonly wholeUpTo: () => number | undefined = () => undefined) {}

  async compare(id: number, generation: number, dropped: Blob, name: string, ignore: string[], emit: CompareEmit): Promise<CompareReply> {
    const left = this.left();
    if (left.generation !== generation) throw new RequestError('stale', `File generation ${generation} was replaced by ${left.generation}`);
    this.running?.abort.abort();
    const abort = new AbortController();
    this.running = { id, abort };
    const signal = abort.signal;
    try {
      // Reads of a small file start at once, beside the container sniff's (each Blob read is a
      // round trip to the browser process: a third of the comparison on a busy machine).
      const wholeDropped = dropped.size <= (this.wholeUpTo() ?? SMALL) ? dropped.arrayBuffer() : null;
      wholeDropped?.catch(() => undefined);
      const takeFrom = dropped.size <= (this.wholeUpTo() ?? SMALL) ? reuseFrom(left) : null;
      // A save image is compared by the stream inside it, as it opens in the explorer.
      const opened = await openContainer(dropped, { signal });
      await this.container?.close();
      this.container = opened;
      const file = opened.inner;
      const refused = opened.info?.problems.find((p) => p.severity === 'error');
      if (refused && file.size === 0) throw new Error(formatProblem(refused));
      const small = file.size <= (this.wholeUpTo() ?? SMALL);
      // The library is probed from the bytes in memory; the open file's are read where its
      // sections can be taken.
      const whole = small ? await (file === dropped && wholeDropped ? wholeDropped : file.arrayBuffer()) : null;
      const source = whole ? memorySource(new Uint8Array(whole)) : blobSource(file);
      const library = await libraryFor(source);
      const reuse = small ? await (takeFrom ?? reuseFrom(left))?.(library) : undefined;
      const leftSide: DiffSide = { name: left.name, model: left.scan.model, read: (o, n) => left.source.read(o, n) };
      const progress = throttle((phase: 'scan' | 'ram', done: number, total: number) => emit({ type: 'compare-progress', id, phase, done, total }));
      if (!small && (await hasHeader(source))) {
        const pre = await preliminaryModel(source, library);
        if (pre.ok && !signal.aborted) {
          const result = this.withContainer(left, await diffSections(leftSide, { name, model: pre.model, read: (o, n) => source.read(o, n) }, { ignore }), ignore);
          emit({ type: 'compare-devices', id, stage: 'devices-first', result, right: { name, model: outline(pre.model) }, leftGeneration: left.generation });
        }
      }
      // RAM in lockstep (ram-lockstep.ts): the open file's pages walked through its index beside
      // the right file's scan, each page compared as both sides pass it, each file read once.
      // Started after the devices-first comparison, which the walk would hold up in this thread.
      const lram = left.scan.ram;
      const pair = lram.blocks.size && !lram.mappedRam && ![...lram.blocks.values()].some((b) => b.truncatedIndex) ? new RamLockstep() : null;
      const lt = pageCount(left.scan.model);
      const leftWalk = pair ? pair.run(pair.left, () => walkRecords(pair.left.gated(left.source), lram, pair.left.sink, { signal, onProgress: (d) => progress('ram', d, lt) })) : null;
      leftWalk?.catch(() => undefined); // awaited below unless the scan fails first
      // Without it, the right file's pages are hashed as the scanner passes them: read once too.
      const hasher = new PageHasher();
      const scanOpts = { library, signal, onProgress: (s: number, t: number) => progress('scan', s, t), reuse };
      const scanned = pair
        ? await pair.run(pair.right, () => scanStream(pair.right.gated(source), { ...scanOpts, ramPages: pair.right.sink }))
        : await scanStream(source, { ...scanOpts, ramPages: hasher.sink });
      if (signal.aborted) throw new CancelledError();
      // Read as the open file is: each section with the likely QEMU version's layout (likely-layouts.ts).
      const likely = await likelyLayouts(scanned.model, source, library);
      // A gzip/xz/zstd file dropped as a stream: its problem names the compressor and the command, as when opened.
      const shown = opened.info ? likely.model : await withCompressedHint(likely.model, source, name);
      const scan = shown === scanned.model ? scanned : { ...scanned, model: shown };
      this.right = { name, source, scan };
      const result = await this.devices(left, ignore);
      const reply = (r: DiffResult): CompareReply => ({ result: r, right: { name, model: outline(scan.model) }, leftGeneration: left.generation });
      if (!lram.blocks.size && !scan.ram.blocks.size) return reply(result);
      emit({ type: 'compare-devices', id, stage: 'scanned', ...reply(result) });
      if (lram.pageSize !== scan.ram.pageSize) throw new Error(`RAM page sizes differ (${lram.pageSize} and ${scan.ram.pageSize}): pages cannot be compared`);
      await leftWalk;
      result.ram = (pair && (await lockstepResult(pair, left.source, lram, source, scan.ram)))
        || compareRam(
          ...(await Promise.all([
            lram.blocks.size ? hashRam(left.source, lram, { signal }) : new Map<string, PageHashes>(),
            pair ? hashRam(source, scan.ram, { signal }) : scannedHashes(source, scan, hasher, signal),
          ])),
          scan.ram.pageSize,
        );
      this.ram = { leftGeneration: left.generation, result: result.ram };
      return reply(result);
    } catch (e) {
      abort.abort(); // the left pages may still be hashing
      throw e;
    } finally {
      if (this.running?.id === id) this.running = null;
    }
  }

  /** The devices again against the open file as it is now (after edits), RAM from the last run. */
  async recompare(generation: number, ignore: string[]): Promise<CompareReply> {
    const left = this.left();
    if (left.generation !== generation) throw new RequestError('stale', `File generation ${generation} was replaced by ${left.generation}`);
    const right = this.need();
    const result = await this.devices(left, ignore);
    if (this.ram) result.ram = this.ram.result;
    return {
      result, right: { name: right.name, model: outline(right.scan.model) }, leftGeneration: left.generation,
      ramStale: this.ram ? this.ram.leftGeneration !== left.generation : undefined,
    };
  }

  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && length <= MAX_BYTES)) {
      throw new RequestError('bad-request', `compare-bytes: offset ${offset} and length ${length} must be integers, length at most ${MAX_BYTES}`);
    }
    return this.need().source.read(offset, length);
  }

  record(index: number): StreamRecord {
    const r = this.need().scan.model.records[index];
    if (!r) throw new RequestError('bad-request', `The compared file has no record ${index}`);
    return r;
  }

  cancel(target: number): boolean {
    if (this.running?.id !== target) return false;
    this.running.abort.abort();
    return true;
  }

  close(): boolean {
    this.running?.abort.abort();
    const had = this.right !== null;
    this.right = null;
    void this.container?.close();
    this.container = null;
    this.ram = null;
    return had;
  }

  private async devices(left: OpenFile, ignore: string[]): Promise<DiffResult> {
    const right = this.need();
    const result = await diffSections(
      { name: left.name, model: left.scan.model, read: (o, n) => left.source.read(o, n) },
      { name: right.name, model: right.scan.model, read: (o, n) => right.source.read(o, n) },
      { ignore },
    );
    return this.withContainer(left, result, ignore);
  }

  /**
   * Two libvirt images: was_running, compression and the XML too, as the CLI's diff reports them.
   * The open file's side as its edits leave it (a was_running toggled in the page, then "Compare again").
   */
  private withContainer(left: OpenFile, result: DiffResult, ignore: string[]): DiffResult {
    const container = containerDiff(left.container?.info, this.container?.info, ignore);
    return container ? { ...result, container } : result;
  }

  private need(): Right {
    if (!this.right) throw new RequestError('no-file', 'No file is being compared');
    return this.right;
  }
}

function pageCount(model: StreamModel): number {
  return model.ramBlocks.reduce((n, b) => n + b.pages, 0);
}

function throttle(fn: (phase: 'scan' | 'ram', done: number, total: number) => void) {
  let last = 0;
  return (phase: 'scan' | 'ram', done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < PROGRESS_MS) return;
    last = now;
    fn(phase, done, total);
  };
}
