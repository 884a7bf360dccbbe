import { useContext } from 'react';
import { useStore } from 'zustand';
import type { ExplorerState } from './types.ts';
import type { ExplorerStore } from './store.ts';
import { StoreContext } from './StoreProvider.tsx';

export function useExplorerStore(): ExplorerStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useExplorer outside <StoreProvider>');
  return store;
}

/** Selects narrowly from the explorer store; re-renders only when the selected value changes. */
export function useExplorer<T>(selector: (s: ExplorerState) => T): T {
  return useStore(useExplorerStore(), selector);
}
