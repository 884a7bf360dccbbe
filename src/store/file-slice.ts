// The open file: what the worker scanned, the scan in progress and the byte cache.

import type { StreamModel } from '../format/model.ts';
import { isCancelled, type Pending } from '../worker/client.ts';
import type { OpenedFile, Replies } from '../worker/protocol.ts';
import { ByteCache } from './byte-cache.ts';
import { SAMPLES } from './samples.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface OpenFileInfo {
  name: string;
  size: number;
  generation: number;
  /** Name of the description file in use, if one was supplied. */
  description?: string;
}

export interface ScanState {
  id: number;
  what: 'open' | 'describe';
  name: string;
  scanned: number;
  total: number;
}

export interface Notice {
  tone: 'error' | 'info';
  text: string;
}

export interface FileSlice {
  file: OpenFileInfo | null;
  model: StreamModel | null;
  bytes: ByteCache | null;
  scan: ScanState | null;
  notice: Notice | null;
  openFile(file: Blob, name: string): Promise<void>;
  openSample(id: string): Promise<void>;
  openDescription(file: Blob, name: string): Promise<void>;
  cancelScan(): void;
  dismissNotice(): void;
  /** Worker queries about the open file's RAM; they change no state. */
  ramPicture(block: string, cells: number): Promise<Replies['ram-picture']>;
  ramExport(block: string): Promise<Replies['ram-export']>;
  /** False until the edits slice exists and overrides it. */
  hasUnsavedEdits(): boolean;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const createFileSlice = (deps: StoreDeps): Slice<FileSlice> => (set, get) => {
  /** Runs a scan request; returns its result unless it was superseded, cancelled or failed. */
  async function runScan(what: ScanState['what'], name: string, total: number, start: (onProgress: (s: number, t: number) => void) => Pending<OpenedFile>): Promise<OpenedFile | null> {
    const running = get().scan;
    if (running) void deps.worker.cancel(running.id);
    const onProgress = (scanned: number, t: number) => {
      const scan = get().scan;
      if (scan?.id === pending.id) set({ scan: { ...scan, scanned, total: t } });
    };
    const pending = start(onProgress);
    set({ scan: { id: pending.id, what, name, scanned: 0, total }, notice: null });
    try {
      const opened = await pending.result;
      if (get().scan?.id !== pending.id) return null;
      return opened;
    } catch (e) {
      if (get().scan?.id !== pending.id) return null;
      set({
        scan: null,
        notice: isCancelled(e)
          ? { tone: 'info', text: `Cancelled ${what === 'open' ? 'opening' : 'decoding with'} ${name}.` }
          : { tone: 'error', text: `Could not ${what === 'open' ? 'open' : 'use the description'} ${name}: ${message(e)}` },
      });
      return null;
    }
  }

  function adopt(opened: OpenedFile) {
    const prev = get().bytes;
    const sameBytes = prev && get().file?.generation === opened.generation;
    const bytes = sameBytes
      ? prev
      : new ByteCache(opened.model.fileSize, (offset, length) =>
          deps.worker.request({ type: 'bytes', generation: opened.generation, offset, length }).result.then((r) => r.bytes));
    if (!sameBytes) prev?.dispose();
    set({
      file: { name: opened.name, size: opened.model.fileSize, generation: opened.generation, description: opened.description },
      model: opened.model,
      bytes,
      scan: null,
    });
  }

  return {
    file: null,
    model: null,
    bytes: null,
    scan: null,
    notice: null,
    hasUnsavedEdits: () => false,

    async openFile(file, name) {
      const cur = get().file;
      if (cur && get().hasUnsavedEdits() && !deps.confirm(`Discard the unsaved edits to ${cur.name} and open ${name}?`)) return;
      // The previous file goes away now: a long scan must not look like the old file is current.
      get().bytes?.dispose();
      set({ file: null, model: null, bytes: null });
      get().clearSelection();
      const opened = await runScan('open', name, file.size, (onProgress) => deps.worker.request({ type: 'open', file, name }, { onProgress }));
      if (opened) adopt(opened);
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
      if (!get().file) {
        set({ notice: { tone: 'error', text: `Open a state file first; ${name} would describe it.` } });
        return;
      }
      const opened = await runScan('describe', name, get().file!.size, (onProgress) => deps.worker.request({ type: 'describe', file, name }, { onProgress }));
      if (!opened) return;
      const keep = get().recordIndex;
      adopt(opened);
      get().clearSelection();
      // Same framing in most cases: keep the section selected if it is still there.
      const rec = keep !== null ? opened.model.records[keep] : undefined;
      if (rec) get().selectRecord(rec.index);
    },

    cancelScan() {
      const scan = get().scan;
      if (scan) void deps.worker.cancel(scan.id);
    },

    dismissNotice: () => set({ notice: null }),

    ramPicture: (block, cells) => deps.worker.request({ type: 'ram-picture', generation: get().file?.generation ?? 0, block, cells }).result,
    ramExport: (block) => deps.worker.request({ type: 'ram-export', generation: get().file?.generation ?? 0, block }).result,
  };
};
