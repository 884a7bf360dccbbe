// The worker's state: the open file (a Blob, read in slices), its model, RAM index, description
// and edits. Kept free of `self`/postMessage so it runs under Node in unit tests.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { editedSource } from '../format/edit/piece-table.ts';
import { flatParts, type UserAction } from '../format/edit/history.ts';
import { CancelledError } from '../format/errors.ts';
import { libraryFor } from './library-fetch.ts';
import { withCompressedHint } from '../format/compressed-hint.ts';
import { scanStream, type ScanResult } from '../format/scan.ts';
import type { StreamModel } from '../format/model.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { makeOpenFile, openedFile, RequestError, type OpenFile, type Progress } from './open-file.ts';
import { editedBlob } from './edited-file.ts';
import { EditOps } from './edit-ops.ts';
import { restoreFor } from './edit-restore.ts';
import type { EditStorage } from './edit-storage.ts';
import { hasHeader, preliminaryFirst, type Preliminary } from './preliminary.ts';
import type { EditReply, EditRequest, MultifdInfo, OpenedFile, RamPageInfo, Replies } from './protocol.ts';
import { ramPicture, type RamPicture } from './ram-picture.ts';
import { fieldNodes, outline } from './outline.ts';
import { openContainer } from './container-open.ts';
import { containerAfter, imageBlob, type ContainerDownload, type ContainerState } from './container-state.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { candidatesOf, compatCheck, useCandidate } from './view-ops.ts';
import type { CandidateOption } from '../format/candidate-choice.ts';
import type { CompatReport } from '../format/compat/check.ts';
import { CompareSession } from './compare.ts';
import { forPerson } from './candidate-choices.ts';
import { MultifdChannels } from './multifd-channels.ts';

export { RequestError, type Progress } from './open-file.ts';

/**
 * A snapshot named in the request that gives no VM state (disk-only, unknown, unreadable tables) is
 * refused with the reason, not opened as an empty stream: the page keeps what it shows.
 */
function refuseUnopenedSnapshot(info: ContainerInfo | null, name: string, snapshot: string): void {
  if (!info?.qcow2) throw new RequestError('bad-request', `${name} is not a qcow2 image: it has no snapshots to choose from`);
  if (info.qcow2.chosen === undefined) throw new RequestError('bad-request', info.problems.map((p) => p.message).join('; ') || `no snapshot ${snapshot} with a VM state`);
}

/**
 * A snapshot's VM state fills the clusters its table maps; a longer or shorter one would need new
 * clusters, refcounts and a new snapshot table entry (block/qcow2-snapshot.c), so an edit that
 * changes its size is refused when planned, before it joins the history (format/qcow2/patch-image.ts
 * refuses it again at download).
 */
function qcow2SizeChange(action: UserAction): string | null {
  const s = flatParts([action]).flatMap((p) => p.splices).find((x) => x.removed.length !== x.inserted.length);
  if (!s) return null;
  return `this edit changes the VM state's size by ${s.inserted.length - s.removed.length} bytes at 0x${s.offset.toString(16)}; a snapshot's VM state inside a qcow2 image can only be changed in place (same size)`;
}

/**
 * Streams from this size fetch their libraries after the devices-first event (see open): their
 * section table comes from there, and the scan that needs the library takes seconds anyway.
 * Smaller files' tables come from the scan, which should not wait for a fetch.
 */
export const DEVICES_BEFORE_LIBRARY = 64 * 1024 * 1024;

/** At most this long a large model waits for the page to draw its outline (see open). */
const DRAW_PAUSE_MS = 250;

/** Models with this many field nodes are outlined first (q35 device state: ~55,000). */
const OUTLINE_FROM = 5000;

/** Larger byte requests are refused: the hex view asks for pages, never for the file. */
export const MAX_BYTES_REQUEST = 16 * 1024 * 1024;

/** What an open shows before its reply (see protocol.ts DevicesFirstEvent and OutlineEvent). */
export interface EarlyModels {
  devices(p: Preliminary & { generation: number }): void;
  outline(model: StreamModel, generation: number): void;
  /** The container's records, before any scan. */
  container?(info: ContainerInfo): void;
}

export interface SessionOptions {
  /** Keeps each file's edits between visits; without it edits last as long as the worker. */
  storage?: EditStorage;
  /** See quick-rescan.ts; tests lower it to exercise the quick path on small files. */
  quickRescanFrom?: number;
  /** How long an outlined model waits at most for the page's 'drawn' (default DRAW_PAUSE_MS). */
  drawPauseMs?: number;
  onDecode?(how: 'quick' | 'full'): void;
  /** See DEVICES_BEFORE_LIBRARY; tests lower it to open small streams as large ones. */
  devicesBeforeLibraryFrom?: number;
  /** See compare.ts SMALL; tests lower it to exercise devices first on small streams. */
  compareWholeUpTo?: number;
}

export class Session {
  private current: OpenFile | null = null;
  private generation = 0;
  /** At most one scan runs; a newer open or describe aborts the older one. */
  private running: { id: number; abort: AbortController } | null = null;
  /** The open waiting for the page to say it drew the outline. */
  private awaitingDraw: { id: number; resume: () => void } | null = null;
  /** The file being opened: its bytes are readable while the devices-first model is shown. */
  private opening: { generation: number; source: ByteSource } | null = null;
  private readonly edits: EditOps;
  /** Running compatibility checks: cancellable by id beside the scan (they never abort it). */
  private readonly checks = new Map<number, AbortController>();
  /** A second file compared with this one (issue #13). */
  readonly compare = new CompareSession(() => this.need(), () => this.opts.compareWholeUpTo);
  /** Multifd channel files joined to the open main channel. */
  readonly multifd = new MultifdChannels();

  constructor(private readonly opts: SessionOptions = {}) {
    this.edits = new EditOps({
      current: () => this.current,
      replace: (cur) => (this.current = cur),
      nextGeneration: () => ++this.generation,
      storage: opts.storage,
      quickRescanFrom: opts.quickRescanFrom,
      onDecode: opts.onDecode,
      refuseAction: (cur, action) => (cur.container?.original.kind === 'qcow2' ? qcow2SizeChange(action) : null),
    });
  }

  /** Every read of the current file's bytes goes through here: the edited file, never the original. */
  readSource(): ByteSource {
    return this.need().source;
  }

  /** `snapshot`: which snapshot of a qcow2 image to open (container/qcow2.ts findSnapshot). */
  async open(id: number, dropped: Blob, name: string, progress: Progress, early?: EarlyModels, snapshot?: string): Promise<OpenedFile> {
    const abort = this.start(id);
    let container: ContainerState | undefined;
    try {
      // A libvirt save image opens as the stream inside it (format/container); a compressed one
      // is decompressed into a spill first, its progress in compressed bytes read.
      const opened = await openContainer(dropped, { signal: abort.signal, snapshot, onInfo: (info) => early?.container?.(info), onProgress: (consumed, total, produced) => progress(consumed, total, produced) });
      if (opened.info) container = { file: dropped, stream: opened.inner, original: opened.info, info: opened.info, edited: false, close: () => opened.close() };
      if (snapshot !== undefined) refuseUnopenedSnapshot(opened.info, name, snapshot);
      const file = opened.inner;
      const original = blobSource(file);
      // The scan decodes with the libraries of the file's architecture (libraryFor keeps one per
      // source). A small file's are fetched from now on; a large stream's once its device sections
      // are out: fetching and parsing them took the worker's thread in turns with devices first.
      const prefetch = () => void libraryFor(original).catch(() => undefined);
      const large = original.size >= (this.opts.devicesBeforeLibraryFrom ?? DEVICES_BEFORE_LIBRARY);
      if (!large) prefetch();
      let generation = ++this.generation;
      this.opening = { generation, source: original };
      // First the device sections (before hashing, which reads a few MiB): the page shows them at
      // once. The forward scan starts without waiting for the page to draw them: holding it back
      // until then made the table ~30 ms sooner (90 vs 120 ms, 2 cores) and every scan 100-150 ms later.
      // The stream's own description decodes them without the library (preliminary.ts).
      if (early && (await hasHeader(original))) early.devices({ ...(await preliminaryFirst(original, () => libraryFor(original))), generation });
      if (large) prefetch();
      // Looking up kept edits (hash + IndexedDB) runs beside the scan of the file as it is.
      const restoring = restoreFor(file, name, this.opts.storage, container && blobSource(dropped));
      restoring.catch(() => undefined); // awaited below unless the scan fails first
      // A large model's section table goes to the page as soon as its records are read, before the
      // scan works out the likely QEMU version (issue #12); the full model follows once the page
      // drew it. Not for a file whose kept edits are restored: the edited file's scan outlines.
      let drawn: Promise<void> | null = null;
      const outlineFirst = (edited: boolean) => async (model: StreamModel) => {
        if (!early || fieldNodes(model, OUTLINE_FROM) < OUTLINE_FROM) return;
        if (!edited && (await restoring.catch(() => null))?.history.done.length !== 0) return;
        // Armed first: the page may say it drew the outline before this returns.
        drawn = this.untilDrawn(id, abort.signal);
        early.outline(outline(model), generation);
      };
      let scan = await this.scan(id, abort, original, undefined, progress, outlineFirst(false));
      let scanned: ByteSource = original;
      const restore = await restoring;
      if (restore.history.done.length) {
        // Other bytes than the ones scanned: scan the edited file, a new generation so no page is reused.
        scanned = editedSource(original, restore.history.done);
        generation = ++this.generation;
        this.opening = { generation, source: scanned };
        scan = await this.scan(id, abort, scanned, undefined, progress, outlineFirst(true));
      }
      const { model: person, picks } = await forPerson(scan.model, scanned, undefined, await libraryFor(scanned));
      // A gzip/xz/zstd file dropped as a stream: the compressor and how to undo it, beside "found 1f 8b ...".
      const shown = container ? person : await withCompressedHint(person, scanned, name);
      if (shown !== scan.model) scan = { ...scan, model: shown };
      const unedited = restore.history.done.length ? null : scan.model;
      if (container && restore.history.done.length) container = await containerAfter(container, restore.history.done);
      if (early && !drawn && fieldNodes(scan.model, OUTLINE_FROM) >= OUTLINE_FROM) {
        // A scan that outlined nothing on the way (a multifd channel): outlined now.
        drawn = this.untilDrawn(id, abort.signal);
        early.outline(outline(scan.model), generation);
      }
      if (drawn) {
        // The full model's message takes the page's main thread for tens of milliseconds to
        // unpack: sent before the page drew the outline, it delays the section table's first frame.
        await drawn;
        if (abort.signal.aborted) throw new CancelledError();
      }
      const previous = this.current;
      this.current = await makeOpenFile({ generation, since: generation, name, file, key: restore.key, history: restore.history, scan, original: unedited, container, picks });
      this.multifd.reset();
      container = undefined;
      if (previous?.container && previous.container !== this.current.container) await previous.container.close();
      return openedFile(this.current, { restored: restore.restored, storageError: restore.storageError });
    } finally {
      // An open that failed or was cancelled removes the spill it made.
      await container?.close();
      this.finish(id);
    }
  }

  /** The page drew open `target`'s outline; false if that open was not waiting. */
  drawn(target: number): boolean {
    if (this.awaitingDraw?.id !== target) return false;
    this.awaitingDraw.resume();
    return true;
  }

  /** Resolves when the page says it drew open `id`'s outline, after DRAW_PAUSE_MS at most, or on abort. */
  private untilDrawn(id: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.awaitingDraw?.id === id) this.awaitingDraw = null;
        resolve();
      };
      const timer = setTimeout(done, this.opts.drawPauseMs ?? DRAW_PAUSE_MS);
      signal.addEventListener('abort', done);
      this.awaitingDraw = { id, resume: done };
    });
  }

  async describe(id: number, descFile: Blob, descName: string, progress: Progress): Promise<OpenedFile> {
    return this.edits.exclusive(async () => {
      const cur = this.need();
      const abort = this.start(id);
      try {
        const vmdesc = await loadDescription(blobSource(descFile));
        const scanned = await this.scan(id, abort, cur.source, vmdesc, progress);
        // Sections the description lacks are still decoded by the library: with the likely version's layouts.
        const { model, picks } = await forPerson(scanned.model, cur.source, undefined, await libraryFor(cur.source));
        const scan = model === scanned.model ? scanned : { ...scanned, model };
        if (this.current !== cur) throw new CancelledError();
        // The bytes are unchanged, so the generation stays: cached pages remain valid.
        this.current = { ...cur, scan, description: { name: descName, vmdesc }, original: cur.history.done.length ? null : scanned.model, choices: undefined, picks };
        return openedFile(this.current);
      } finally {
        this.finish(id);
      }
    });
  }

  /** Will the current file load into QEMU `target`? (view-ops.ts; the file is not changed.) */
  async compat(id: number, generation: number, target: string, progress: Progress): Promise<CompatReport> {
    const cur = this.checkFile(generation);
    const abort = new AbortController();
    this.checks.set(id, abort);
    try {
      return await compatCheck(cur, target, abort.signal, progress);
    } finally {
      this.checks.delete(id);
    }
  }

  candidates(generation: number, record: number): Promise<CandidateOption[]> {
    return candidatesOf(this.check(generation), record);
  }

  /** Section `record` read with another library candidate; same generation (the bytes are the same). */
  useCandidate(generation: number, record: number, candidate: number): Promise<OpenedFile> {
    return this.edits.exclusive(async () => {
      const cur = this.check(generation);
      const next = await useCandidate(cur, record, candidate);
      if (this.current !== cur) throw new RequestError('stale', `${cur.name} changed while the section was decoded again`);
      this.current = next;
      return openedFile(next);
    });
  }

  cancel(target: number): boolean {
    const check = this.checks.get(target);
    if (check) {
      check.abort();
      return true;
    }
    if (this.compare.cancel(target)) return true;
    if (this.running?.id !== target) return false;
    this.running.abort.abort();
    return true;
  }

  async bytes(generation: number, offset: number, length: number): Promise<Uint8Array> {
    const source = this.opening?.generation === generation ? this.opening.source : this.check(generation).source;
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && length <= MAX_BYTES_REQUEST)) {
      throw new RequestError('bad-request', `bytes: offset ${offset} and length ${length} must be integers, length at most ${MAX_BYTES_REQUEST}`);
    }
    return source.read(offset, length);
  }

  ramPicture(generation: number, block: string, cells: number): RamPicture {
    const cur = this.check(generation);
    const combined = this.multifd.pictureIndex(cur.scan, block);
    return ramPicture(combined ?? this.block(cur, block), cur.scan.ram.pageSize, cells);
  }

  async ramExport(generation: number, block: string): Promise<{ blob: Blob; notes: string[] }> {
    const cur = this.check(generation);
    // Slices must come from the bytes the RAM index was built on: the edited file.
    const main = editedBlob(cur.file, cur.history.done);
    return this.multifd.exportBlob(cur.scan, main, block);
  }

  /** Page `page` of RAM block `block`: its last write over the main channel and any joined channels. */
  async ramPage(generation: number, block: string, page: number): Promise<RamPageInfo> {
    const cur = this.check(generation);
    this.block(cur, block);
    return this.multifd.page(cur.scan, editedBlob(cur.file, cur.history.done), cur.name, block, page);
  }

  /** Joins multifd channel files to the open main channel (multifd-channels.ts); cancellable. */
  async addChannels(id: number, generation: number, files: { file: Blob; name: string }[], refused: { name: string; reason: string }[], progress: Progress): Promise<MultifdInfo> {
    const cur = this.checkFile(generation);
    const abort = this.start(id);
    try {
      return await this.multifd.add(cur.scan, files, abort.signal, progress, refused);
    } finally {
      this.finish(id);
    }
  }

  // Edits name the file, not a state of its bytes: an undo sent before the previous edit's reply
  // arrived still means this file. They are planned in the worker against the current model.
  edit(generation: number, req: EditRequest, force: boolean, progress: Progress): Promise<EditReply> {
    return this.edits.exclusive(async () => this.edits.edit(this.checkFile(generation), req, force, progress));
  }

  undo(generation: number, progress: Progress): Promise<OpenedFile> {
    return this.edits.exclusive(async () => this.edits.move(this.checkFile(generation), 'undo', progress));
  }

  redo(generation: number, progress: Progress): Promise<OpenedFile> {
    return this.edits.exclusive(async () => this.edits.move(this.checkFile(generation), 'redo', progress));
  }

  exportPatch(generation: number): Replies['export-patch'] {
    return this.edits.exportPatch(this.checkFile(generation));
  }

  download(generation: number, progress: Progress, compressed?: ContainerDownload): Promise<Replies['download']> {
    return this.edits.exclusive(async () => {
      const cur = this.checkFile(generation);
      const r = await this.edits.download(cur, progress);
      if (!r.ok || !cur.container) return r;
      const { blob, notes } = await imageBlob(cur.container, r.blob, cur.history.done, compressed);
      return { ...r, blob, notes };
    });
  }

  private block(cur: OpenFile, name: string) {
    const b = cur.scan.ram.blocks.get(name);
    if (!b) throw new RequestError('bad-request', `No RAM block named "${name}"`);
    return b;
  }

  /** A newer open or describe aborts the older one's scan. */
  private start(id: number): AbortController {
    this.running?.abort.abort();
    const abort = new AbortController();
    this.running = { id, abort };
    return abort;
  }

  private finish(id: number): void {
    if (this.running?.id === id) {
      this.running = null;
      this.opening = null;
    }
  }

  private async scan(id: number, abort: AbortController, source: ByteSource, vmdesc: Vmdesc | undefined, progress: Progress, beforeSettle?: (m: StreamModel) => Promise<void>): Promise<ScanResult> {
    const result = await scanStream(source, { vmdesc, library: await libraryFor(source), signal: abort.signal, onProgress: progress, beforeSettle });
    // Aborted after the scanner's last check: the caller asked to drop it, so it is still cancelled.
    if (abort.signal.aborted || this.running?.id !== id) throw new CancelledError();
    return result;
  }

  private need(): OpenFile {
    if (!this.current) throw new RequestError('no-file', 'No file is open');
    return this.current;
  }

  private checkFile(generation: number): OpenFile {
    const cur = this.need();
    if (generation < cur.since || generation > cur.generation) throw new RequestError('stale', `File generation ${generation} is not the open file (${cur.since}-${cur.generation})`);
    return cur;
  }

  private check(generation: number): OpenFile {
    const cur = this.need();
    if (cur.generation !== generation) throw new RequestError('stale', `File generation ${generation} was replaced by ${cur.generation}`);
    return cur;
  }
}
