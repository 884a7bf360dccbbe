// Edits in the worker: the edit model (format/edit/) plans a user action against the file as
// edited so far; here the edited file is decoded again and the page gets the new model (issue #4).
// One operation at a time, so every action is planned against the model the previous one produced.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import type { Change, Splice } from '../format/edit/change.ts';
import { dirtyRange, flatParts, redo, undo, type History, type UserAction } from '../format/edit/history.ts';
import { exportPatch } from '../format/edit/patch.ts';
import { editedSource } from '../format/edit/piece-table.ts';
import { planAction, type EditRequest } from '../format/edit/steps.ts';
import { libraryFor } from './library-fetch.ts';
import { scanStream, type ScanResult } from '../format/scan.ts';
import { compareFraming } from '../format/verify.ts';
import { makeOpenFile, openedFile, RequestError, type OpenFile, type Progress } from './open-file.ts';
import type { EditStorage } from './edit-storage.ts';
import { editedBlob, editedName } from './edited-file.ts';
import type { EditReply, OpenedFile, Replies } from './protocol.ts';
import { QUICK_RESCAN_FROM, quickRescan } from './quick-rescan.ts';
import { forPerson } from './candidate-choices.ts';
import { containerAfter, containerTarget } from './container-state.ts';

export interface EditHost {
  current(): OpenFile | null;
  replace(cur: OpenFile): void;
  nextGeneration(): number;
  storage?: EditStorage;
  /** Files from this size on decode only the edited device sections again (quick-rescan.ts). */
  quickRescanFrom?: number;
  /** Told how each edited file was decoded (tests check that the quick way was taken). */
  onDecode?(how: 'quick' | 'full'): void;
  /** Why the container around the stream cannot take this planned action (e.g. a size change in a qcow2 image), or null. */
  refuseAction?(cur: OpenFile, action: UserAction): string | null;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class EditOps {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: EditHost) {}

  /** Runs `fn` after every operation queued before it has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async edit(cur: OpenFile, req: EditRequest, force: boolean, progress: Progress): Promise<EditReply> {
    const outer = (extra: Change[]) => (cur.container ? containerTarget(cur.container, [...cur.history.done, ...extra]) : undefined);
    const start = { model: cur.scan.model, read: (o: number, n: number) => cur.source.read(o, n), container: await outer([]) };
    const rescan = async (extra: Change[]) => {
      const source = editedSource(blobSource(cur.file), [...cur.history.done, ...extra]);
      const splices = extra.flatMap((a) => a.splices);
      // Container changes leave the stream's bytes as they were: its model too.
      const model = splices.length ? (await this.decode(cur, source, splices)).scan.model : cur.scan.model;
      return { model, read: (o: number, n: number) => source.read(o, n), container: await outer(extra) };
    };
    const outcome = await planAction(req, cur.history, start, rescan, force);
    if ('error' in outcome) throw new RequestError('bad-request', outcome.error);
    if (outcome.status !== 'applied') return outcome;
    const why = this.host.refuseAction?.(cur, outcome.action);
    if (why) return { status: 'refused', reason: why, canForce: false, warnings: [] };
    return { status: 'applied', file: await this.commit(cur, outcome.history, outcome.action, progress), warnings: outcome.warnings };
  }

  /** Undo or redo one whole action. */
  async move(cur: OpenFile, dir: 'undo' | 'redo', progress: Progress): Promise<OpenedFile> {
    const h = cur.history;
    const moved = dir === 'undo' ? h.done.at(-1) : h.undone.at(-1);
    if (!moved) return openedFile(cur);
    const history = dir === 'undo' ? undo(h) : redo(h);
    return this.commit(cur, history, moved, progress);
  }

  exportPatch(cur: OpenFile): Replies['export-patch'] {
    const parts = flatParts(cur.history.done);
    return { text: `${JSON.stringify(exportPatch(parts), null, 2)}\n`, edits: parts.length };
  }

  /**
   * Decodes the edited file again and requires it to frame exactly like the original (format.md
   * §11 item 7) before handing out a Blob of original slices and inserted bytes.
   */
  async download(cur: OpenFile, progress: Progress): Promise<Replies['download']> {
    const done = cur.history.done;
    // Container changes only ('container' kind): the stream is the file's own, nothing to check.
    if (done.every((a) => a.splices.length === 0)) return { ok: true, blob: cur.file, name: editedName(cur.name) };
    const size = cur.file.size;
    const passes = cur.original ? 1 : 2;
    let pass = 0;
    const overall: Progress = (scanned) => progress(pass * size + Math.min(scanned, size), passes * size);
    if (!cur.original) {
      // Cached on this OpenFile: the original never changes, only its description could.
      cur.original = (await this.scan(cur, blobSource(cur.file), overall)).model;
      pass++;
    }
    const edited = await this.scan(cur, editedSource(blobSource(cur.file), done), overall);
    const framing = compareFraming(cur.original, edited.model);
    if (!framing.ok) return { ok: false, reasons: framing.reasons };
    return { ok: true, blob: editedBlob(cur.file, done), name: editedName(cur.name) };
  }

  private async scan(cur: OpenFile, source: ByteSource, progress?: Progress): Promise<ScanResult> {
    return scanStream(source, { vmdesc: cur.description?.vmdesc, library: await libraryFor(source), onProgress: progress });
  }

  /**
   * The edited file's model after `splices` on top of `cur` (quickly when only device data changed),
   * read with the likely QEMU version's layouts and the candidates the person chose applied again,
   * and the choices that still hold.
   */
  private async decode(cur: OpenFile, source: ByteSource, splices: Splice[], progress?: Progress): Promise<{ scan: ScanResult; choices: OpenFile['choices']; picks: OpenFile['picks'] }> {
    const scan = await this.decodeFirstFit(cur, source, splices, progress);
    const { model, choices, picks } = await forPerson(scan.model, source, cur.choices, await libraryFor(source));
    return { scan: model === scan.model ? scan : { ...scan, model }, choices, picks };
  }

  private async decodeFirstFit(cur: OpenFile, source: ByteSource, splices: Splice[], progress?: Progress): Promise<ScanResult> {
    // A supplied description may decode differently from what devicesFirst uses: decode it all.
    if (cur.file.size >= (this.host.quickRescanFrom ?? QUICK_RESCAN_FROM) && !cur.description) {
      const quick = await quickRescan(cur.scan, source, splices, await libraryFor(source));
      this.host.onDecode?.(quick ? 'quick' : 'full');
      if (quick) return quick;
    } else this.host.onDecode?.('full');
    return this.scan(cur, source, progress);
  }

  private async commit(cur: OpenFile, history: History, moved: UserAction, progress: Progress): Promise<OpenedFile> {
    const { scan, choices, picks } = moved.splices.length ? await this.decode(cur, editedSource(blobSource(cur.file), history.done), moved.splices, progress) : cur;
    const container = cur.container && (await containerAfter(cur.container, history.done));
    const next = await makeOpenFile({ ...cur, history, scan, container, choices, picks });
    if (this.host.current() !== cur) throw new RequestError('stale', `${cur.name} was replaced while the edit was applied`);
    next.generation = this.host.nextGeneration();
    this.host.replace(next);
    const storageError = await this.persist(next);
    return openedFile(next, { dirty: dirtyRange(moved, cur.source.size, next.source.size), storageError });
  }

  /** Keeps the history for the next visit; a failure is reported, the edit stands. */
  private async persist(cur: OpenFile): Promise<string | undefined> {
    const storage = this.host.storage;
    if (!storage || !cur.key) return undefined;
    const { done, undone } = cur.history;
    try {
      await storage.save(cur.key, done.length || undone.length ? { version: 1, name: cur.name, savedAt: Date.now(), done, undone } : null);
      return undefined;
    } catch (e) {
      return `edits could not be kept in this browser: ${message(e)}`;
    }
  }
}
