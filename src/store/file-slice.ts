// The open file: what the worker scanned, the scan in progress and the byte cache.

import type { StreamModel } from '../format/model.ts';
import { isCancelled, type Pending } from '../worker/client.ts';
import type { EarlyModelEvent, OpenedFile, Replies } from '../worker/protocol.ts';
import { busyReason, verdict } from './action-guard.ts';
import { adopt, NO_EDITS } from './adopt.ts';
import type { ByteCache } from './byte-cache.ts';
import { SAMPLES } from './samples.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface OpenFileInfo {
  name: string;
  size: number;
  generation: number;
  /** The generation the file was opened with; edits raise `generation`, not this. */
  since: number;
  /** Name of the description file in use, if one was supplied. */
  description?: string;
}

export interface ScanState {
  id: number;
  what: 'open' | 'describe' | 'channels';
  name: string;
  scanned: number;
  total: number;
  /** Stream bytes decompressed so far while a compressed image is decompressed (then `scanned` is compressed bytes read). */
  produced?: number;
  /** Devices first (issue #5): how many device sections are shown already, or why none are. */
  devices?: { ok: true; sections: number } | { ok: false; reason: string };
}

export interface Notice {
  tone: 'error' | 'warning' | 'info';
  text: string;
}

export interface FileSlice {
  file: OpenFileInfo | null;
  model: StreamModel | null;
  /**
   * While `model` is not the open's final one: 'devices' while it is the devices-first model and
   * the forward scan still runs, 'outline' while its field trees are still on their way.
   */
  partial: false | 'devices' | 'outline';
  bytes: ByteCache | null;
  scan: ScanState | null;
  notice: Notice | null;
  /** A description picked while a file was opening: applied once the open is done (issue #10). */
  queuedDescription: { file: Blob; name: string } | null;
  /** The file the last open was asked for: choosing another qcow2 snapshot opens it again. */
  openedBlob: Blob | null;
  /** Opens asked for so far: the page's panes are made afresh for each (views/app/App.tsx). */
  opens: number;
  /**
   * `snapshot`: which snapshot of a qcow2 image (id, name or #N); `confirmed`: the caller already
   * asked about discarding unsaved edits.
   */
  openFile(file: Blob, name: string, opts?: { snapshot?: string; confirmed?: boolean }): Promise<void>;
  openSample(id: string): Promise<void>;
  openDescription(file: Blob, name: string): Promise<void>;
  cancelScan(): void;
  dismissNotice(): void;
  /** Worker queries about the open file's RAM; they change no state. */
  ramPicture(block: string, cells: number): Promise<Replies['ram-picture']>;
  ramExport(block: string): Promise<Replies['ram-export']>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs `fn` once the frame with the current state is painted (at once where nothing paints). */
function afterPaint(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(fn, 0));
  else setTimeout(fn, 0);
}

function openedNotice(opened: OpenedFile): FileSlice['notice'] {
  const r = opened.restored;
  if (r && 'count' in r) return { tone: 'info', text: `Restored ${r.count} edit${r.count === 1 ? '' : 's'} to ${opened.name} kept in this browser from an earlier visit.` };
  if (r) return { tone: 'warning', text: `Kept edits were not applied: ${r.dropped}.` };
  if (opened.storageError) return { tone: 'warning', text: `Edits will not survive a reload: ${opened.storageError}.` };
  return null;
}

export const createFileSlice = (deps: StoreDeps): Slice<FileSlice> => (set, get) => {
  /** RAM requests fail with the reason while the open is not done (the view asks again then). */
  function ramRequest<T>(send: () => Promise<T>): Promise<T> {
    const reason = busyReason(get(), 'ram');
    return reason ? Promise.reject(new Error(reason)) : send();
  }

  async function describe(file: Blob, name: string, notice: Notice | null): Promise<void> {
    const opened = await runScan('describe', name, get().file!.size, (onProgress) => deps.worker.request({ type: 'describe', file, name }, { onProgress }), notice);
    if (opened) adopt(get, set, deps, opened, 'describe');
  }

  /** What was waiting for the open that ends now without its file, for the notice; clears it. */
  function dropQueued(): string {
    const { queuedDescription: desc, pendingGoTo: goTo, queuedCompare: cmp } = get();
    set({ queuedDescription: null, pendingGoTo: null, queuedCompare: null });
    const lost = [desc && `the description ${desc.name} was not applied`, goTo && `Go to ${goTo} was not carried out`, cmp && `${cmp.name} was not compared`].filter(Boolean);
    return lost.length ? `; ${lost.join('; ')}` : '';
  }

  /**
   * Runs a scan request; returns its result unless it was superseded, cancelled or failed.
   * `notice`: what the notice bar says meanwhile (by default it is cleared).
   */
  async function runScan(what: ScanState['what'], name: string, total: number, start: (onProgress: (s: number, t: number, produced?: number) => void, onEarlyModel: (e: EarlyModelEvent) => void) => Pending<OpenedFile>, notice: Notice | null = null): Promise<OpenedFile | null> {
    const running = get().scan;
    if (running) void deps.worker.cancel(running.id);
    const onProgress = (scanned: number, t: number, produced?: number) => {
      const scan = get().scan;
      if (scan?.id === pending.id) set({ scan: { ...scan, scanned, total: t, produced } });
    };
    // The device sections appear at once while the scan goes on through RAM; a large model's
    // section table appears while its field trees are still on their way.
    const onEarlyModel = (e: EarlyModelEvent) => {
      const scan = get().scan;
      if (scan?.id !== pending.id) return;
      if (e.type === 'container') {
        set({ container: e.container, containerEdited: false });
        return;
      }
      if (e.type === 'outline') {
        adopt(get, set, deps, { generation: e.generation, name, model: e.model, edits: get().edits }, 'outline');
        // The worker holds the full model back until this frame is on screen (or a short while passes).
        afterPaint(sayDrawn);
        return;
      }
      if (!e.ok) {
        set({ scan: { ...scan, devices: { ok: false, reason: e.reason } } });
        return;
      }
      set({ scan: { ...scan, devices: { ok: true, sections: e.model.records.filter((r) => r.kind === 'section').length } } });
      adopt(get, set, deps, { generation: e.generation, name, model: e.model, edits: get().edits }, 'devices');
    };
    const sayDrawn = () => void deps.worker.request({ type: 'drawn', target: pending.id }).result.catch(() => undefined);
    const pending = start(onProgress, onEarlyModel);
    set({ scan: { id: pending.id, what, name, scanned: 0, total }, notice });
    try {
      const opened = await pending.result;
      if (get().scan?.id !== pending.id) return null;
      return opened;
    } catch (e) {
      if (get().scan?.id !== pending.id) return null;
      if (what === 'open') set({ file: null, model: null, partial: false, container: null, containerEdited: false });
      const lost = what === 'open' ? dropQueued() : '';
      set({
        scan: null,
        notice: isCancelled(e)
          ? { tone: 'info', text: `Cancelled ${what === 'open' ? 'opening' : 'decoding with'} ${name}${lost}.` }
          : { tone: 'error', text: `Could not ${what === 'open' ? 'open' : 'use the description'} ${name}: ${message(e)}${lost}` },
      });
      return null;
    }
  }

  return {
    file: null,
    model: null,
    partial: false,
    bytes: null,
    scan: null,
    notice: null,
    queuedDescription: null,
    openedBlob: null,
    opens: 0,

    async openFile(file, name, opts = {}) {
      const cur = get().file;
      if (cur && !opts.confirmed && get().hasUnsavedEdits() && !deps.confirm(`Discard the unsaved edits to ${cur.name} and open ${name}?`)) return;
      // The previous file goes away now: a long scan must not look like the old file is current.
      // Its last reveal goes too: the new file's hex view would otherwise open at that offset.
      get().bytes?.dispose();
      // A comparison was with the file that goes away.
      if (get().compare) get().closeCompare();
      // What waited for an open still running was meant for that file, not this one.
      const superseded = get().scan?.what === 'open' ? get().scan!.name : null;
      const lost = superseded ? dropQueued() : '';
      set({ file: null, model: null, bytes: null, partial: false, multifd: null, edits: NO_EDITS, savedGeneration: null, reveal: null, container: null, containerEdited: false, openedBlob: file, opens: get().opens + 1 });
      get().clearSelection();
      const replaced: Notice | null = lost ? { tone: 'info', text: `${name} replaced ${superseded} while it opened${lost}.` } : null;
      const opened = await runScan('open', name, file.size, (onProgress, onEarlyModel) => deps.worker.request({ type: 'open', file, name, snapshot: opts.snapshot }, { onProgress, onEarlyModel }), replaced);
      if (!opened) return;
      adopt(get, set, deps, opened, 'open');
      const notice = openedNotice(opened);
      if (notice) set({ notice });
      const queued = get().queuedDescription;
      if (queued) {
        set({ queuedDescription: null });
        await describe(queued.file, queued.name, get().notice);
      }
      await get().runQueuedCompare();
    },

    async openSample(id) {
      const sample = SAMPLES.find((s) => s.id === id);
      if (!sample) return;
      try {
        const blob = await deps.fetchBlob(sample.url);
        const desc = sample.descriptionUrl ? await deps.fetchBlob(sample.descriptionUrl) : null;
        await get().openFile(blob, sample.name);
        if (desc && get().file?.name === sample.name) await get().openDescription(desc, sample.descriptionUrl!.split('/').pop()!);
      } catch (e) {
        set({ notice: { tone: 'error', text: `Could not load the sample ${sample.name}: ${message(e)}` } });
      }
    },

    async openDescription(file, name) {
      const v = verdict(get(), 'describe');
      if (v.do === 'refuse') set({ notice: { tone: 'error', text: `${v.reason}; ${name} would describe it.` } });
      // The scan progress shows it waiting; the open applies it when it is done (or says it was not).
      else if (v.do === 'later') set({ queuedDescription: { file, name } });
      else await describe(file, name, null);
    },

    cancelScan() {
      const scan = get().scan;
      if (scan) void deps.worker.cancel(scan.id);
    },

    dismissNotice: () => set({ notice: null }),

    ramPicture: (block, cells) => ramRequest(() => deps.worker.request({ type: 'ram-picture', generation: get().file?.generation ?? 0, block, cells }).result),
    ramExport: (block) => ramRequest(() => deps.worker.request({ type: 'ram-export', generation: get().file?.generation ?? 0, block }).result),
  };
};
