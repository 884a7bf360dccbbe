// The explorer store's shape: one store, assembled from slices (store.ts).

import type { StateCreator } from 'zustand/vanilla';
import type { WorkerClient } from '../worker/client.ts';
import type { CompatSlice } from './compat-slice.ts';
import type { CompareSlice } from './compare-slice.ts';
import type { ContainerSlice } from './container-slice.ts';
import type { GuardSlice } from './action-guard.ts';
import type { EditsSlice } from './edits-slice.ts';
import type { FileSlice } from './file-slice.ts';
import type { MultifdSlice } from './multifd-slice.ts';
import type { SectionsSlice } from './sections-slice.ts';
import type { SelectionSlice } from './selection-slice.ts';

export type ExplorerState = FileSlice & SectionsSlice & SelectionSlice & EditsSlice & ContainerSlice & GuardSlice & CompatSlice & CompareSlice & MultifdSlice;

export type Slice<T> = StateCreator<ExplorerState, [], [], T>;

/** Everything the store needs from the outside world, injectable in tests. */
export interface StoreDeps {
  worker: Pick<WorkerClient, 'request' | 'cancel'>;
  /** Asks the user a yes/no question (window.confirm in the page). */
  confirm(message: string): boolean;
  /** Fetches a built-in sample from the page's own origin. */
  fetchBlob(url: string): Promise<Blob>;
  /** Hands a file to the user (a download in the page). */
  saveBlob(blob: Blob, name: string): void;
}
