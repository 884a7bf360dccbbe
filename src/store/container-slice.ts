// The container around the open stream (libvirt, xl or qcow2 image): its records as the worker
// read them and as the applied edits left them. Changes to its own fields (domain XML,
// was_running, HVM context fields) are ordinary edits (edits-slice editContainer), so undo, the
// edit list, the kept edits and patches carry them. Here: how a compressed image downloads.

import type { ContainerInfo } from '../format/container/types.ts';
import type { OpenedFile } from '../worker/protocol.ts';
import { chooseSnapshot } from './snapshot-choice.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface ContainerSlice {
  container: ContainerInfo | null;
  /** The applied edits changed the container's own fields. */
  containerEdited: boolean;
  /** A compressed image: re-compressed where the browser can ('keep'), or written raw. */
  containerDownload: 'keep' | 'raw';
  setContainerDownload(how: 'keep' | 'raw'): void;
  /** Opens the VM state of snapshot `index` of the open qcow2 image; resolves to the refusal's reason, or null. */
  chooseSnapshot(index: number): Promise<string | null>;
}

/** The container part of a worker reply; early models (devices first, outline) carry none. */
export function containerOf(opened: OpenedFile): Pick<ContainerSlice, 'container' | 'containerEdited'> {
  return { container: opened.container ?? null, containerEdited: opened.containerEdited ?? false };
}

export const createContainerSlice = (deps: StoreDeps): Slice<ContainerSlice> => (set, get) => ({
  container: null,
  containerEdited: false,
  containerDownload: 'keep',
  setContainerDownload: (how) => set({ containerDownload: how }),
  chooseSnapshot: (index) => chooseSnapshot(get, set, deps, index),
});
