import { createContext, type ReactNode } from 'react';
import type { ExplorerStore } from './store.ts';

export const StoreContext = createContext<ExplorerStore | null>(null);

/** Makes one explorer store available to every view below it. */
export function StoreProvider({ store, children }: { store: ExplorerStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}
