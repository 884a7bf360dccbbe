// The one explorer store, made by a factory so the page, tests and future panes each get their own.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { createCompatSlice } from './compat-slice.ts';
import { createCompareSlice } from './compare-slice.ts';
import { createContainerSlice } from './container-slice.ts';
import { createGuardSlice } from './action-guard.ts';
import { createEditsSlice } from './edits-slice.ts';
import { createFileSlice } from './file-slice.ts';
import { createMultifdSlice } from './multifd-slice.ts';
import { createSectionsSlice } from './sections-slice.ts';
import { createSelectionSlice } from './selection-slice.ts';
import type { ExplorerState, StoreDeps } from './types.ts';

export type ExplorerStore = StoreApi<ExplorerState>;

export function createExplorerStore(deps: StoreDeps): ExplorerStore {
  return createStore<ExplorerState>()((...a) => ({
    ...createFileSlice(deps)(...a),
    ...createSectionsSlice(...a),
    ...createSelectionSlice(...a),
    ...createEditsSlice(deps)(...a),
    ...createCompareSlice(deps)(...a),
    ...createContainerSlice(deps)(...a),
    ...createGuardSlice(...a),
    ...createCompatSlice(deps)(...a),
    ...createMultifdSlice(deps)(...a),
  }));
}
