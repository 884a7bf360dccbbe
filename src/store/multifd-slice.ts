// Multifd channel files beside their main channel (worker/multifd-channels.ts): several files
// picked or dropped at once are sorted by their first bytes (the main channel has the QEVM
// header, channels the multifd magic), the main channel opens, then the channels join it. Every
// file is either joined or named with the reason it was not; none is dropped silently.

import { multifdRole, sortByRole } from '../format/multifd-merge.ts';
import { isCancelled } from '../worker/client.ts';
import type { MultifdInfo, Replies } from '../worker/protocol.ts';
import { busyReason } from './action-guard.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface PickedFile {
  file: Blob;
  name: string;
}

export interface MultifdSlice {
  /** The channels joined to the open main channel and the files refused, once channels were added. */
  multifd: MultifdInfo | null;
  /** One file opens as before; several: the main channel opens and the channels join it. */
  openFiles(files: PickedFile[]): Promise<void>;
  /** "Add multifd channels…": channel files for the open main channel. */
  addChannels(files: PickedFile[], refused?: { name: string; reason: string }[]): Promise<void>;
  ramPage(block: string, page: number): Promise<Replies['ram-page']>;
  multifdRecords(channel: number, start: number, count: number): Promise<Replies['multifd-records']>;
  /** Files dropped where they cannot be taken: said in the notice bar. */
  refuseDrop(text: string): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const listRefused = (r: { name: string; reason: string }[]) => r.map((x) => `${x.name}: ${x.reason}`).join('; ');

async function roleOf(f: PickedFile) {
  return multifdRole(new Uint8Array(await f.file.slice(0, 4).arrayBuffer()));
}

export const createMultifdSlice = (deps: StoreDeps): Slice<MultifdSlice> => (set, get) => ({
  multifd: null,

  async openFiles(files) {
    if (files.length === 0) return;
    if (files.length === 1) return get().openFile(files[0].file, files[0].name);
    const roles = await Promise.all(files.map(roleOf));
    const sorted = sortByRole(roles, files.map((f) => f.name));
    if (!sorted) {
      set({ notice: { tone: 'error', text: `None of ${files.map((f) => f.name).join(', ')} is a main channel (a QEVM stream): multifd channel files open beside their main channel, so pick it with them (or open one channel file alone).` } });
      return;
    }
    const main = files[sorted.main];
    const channels = sorted.channels.map((i) => files[i]);
    const refused = sorted.refused;
    await get().openFile(main.file, main.name);
    if (get().file?.name !== main.name || get().scan) {
      set({ notice: { tone: 'error', text: `${main.name} did not open, so ${[...channels.map((f) => f.name), ...refused.map((f) => f.name)].join(', ')} were not added beside it.${get().notice ? ` ${get().notice!.text}` : ''}` } });
      return;
    }
    if (channels.length) await get().addChannels(channels, refused);
    else set({ notice: { tone: 'warning', text: `Not opened beside ${main.name}: ${listRefused(refused)}.` } });
  },

  async addChannels(files, refusedBefore = []) {
    const why = busyReason(get(), 'channels');
    if (why) {
      set({ notice: { tone: 'error', text: `${why}; ${files.map((f) => f.name).join(', ')} not added.` } });
      return;
    }
    const running = get().scan;
    if (running) void deps.worker.cancel(running.id);
    const total = files.reduce((n, f) => n + f.file.size, 0);
    const name = files.length === 1 ? files[0].name : `${files.length} multifd channel files`;
    const pending = deps.worker.request(
      { type: 'add-channels', generation: get().file!.generation, files, refused: refusedBefore },
      { onProgress: (scanned, t) => { const s = get().scan; if (s?.id === pending.id) set({ scan: { ...s, scanned, total: t } }); } },
    );
    set({ scan: { id: pending.id, what: 'channels', name, scanned: 0, total }, notice: null });
    try {
      const info = await pending.result;
      if (get().scan?.id !== pending.id) return;
      // info.refused: the files of this request that did not join.
      set({ multifd: info, scan: null, notice: info.refused.length ? { tone: 'warning', text: `Not added beside ${get().file?.name}: ${listRefused(info.refused)}.` } : null });
    } catch (e) {
      if (get().scan?.id !== pending.id) return;
      set({ scan: null, notice: isCancelled(e) ? { tone: 'info', text: `Cancelled adding ${name}.` } : { tone: 'error', text: `Could not add ${name}: ${message(e)}` } });
    }
  },

  ramPage(block, page) {
    const why = busyReason(get(), 'ram');
    return why ? Promise.reject(new Error(why)) : deps.worker.request({ type: 'ram-page', generation: get().file?.generation ?? 0, block, page }).result;
  },

  refuseDrop: (text) => set({ notice: { tone: 'error', text } }),

  multifdRecords: (channel, start, count) => deps.worker.request({ type: 'multifd-records', channel, start, count }).result,
});
