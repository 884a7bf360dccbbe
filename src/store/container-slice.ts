// The container around the open stream (a libvirt save image): its records as the worker read
// them, changes to its own fields (domain XML, was_running), and how a compressed image downloads.

import type { ContainerInfo } from '../format/container/types.ts';
import type { OpenedFile } from '../worker/protocol.ts';
import { chooseSnapshot } from './snapshot-choice.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface ContainerSlice {
  container: ContainerInfo | null;
  /** The container's fields differ from the file's (kept by the worker until the file closes). */
  containerEdited: boolean;
  /** A compressed image: re-compressed where the browser can ('keep'), or written raw. */
  containerDownload: 'keep' | 'raw';
  /** Rewrites the XML and/or was_running (null reverts); resolves to the refusal's reason, or null. */
  editContainer(change: { xml?: string; wasRunning?: boolean } | null): Promise<string | null>;
  setContainerDownload(how: 'keep' | 'raw'): void;
  /** Opens the VM state of snapshot `index` of the open qcow2 image; resolves to the refusal's reason, or null. */
  chooseSnapshot(index: number): Promise<string | null>;
}

/** The container part of a worker reply; early models (devices first, outline) carry none. */
export function containerOf(opened: OpenedFile): Pick<ContainerSlice, 'container' | 'containerEdited'> {
  return { container: opened.container ?? null, containerEdited: opened.containerEdited ?? false };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const createContainerSlice = (deps: StoreDeps): Slice<ContainerSlice> => (set, get) => ({
  container: null,
  containerEdited: false,
  containerDownload: 'keep',
  async editContainer(change) {
    const f = get().file;
    if (!f || get().partial) return 'The file is still being read';
    try {
      const opened = await deps.worker.request({ type: 'container-edit', generation: f.generation, change }).result;
      // The stream's generation stays; the download no longer matches what is shown.
      set({ ...containerOf(opened), savedGeneration: null });
      return null;
    } catch (e) {
      return message(e);
    }
  },
  setContainerDownload: (how) => set({ containerDownload: how }),
  chooseSnapshot: (index) => chooseSnapshot(get, set, deps, index),
});
