import { useEffect } from 'react';
import { useExplorerStore } from '../../store/useExplorer.ts';

/**
 * Leaving or reloading the page with edits that were not downloaded asks first. The edits are
 * kept in this browser anyway; the question is whether the user meant to leave without the file.
 */
export function useLeaveGuard(): void {
  const store = useExplorerStore();
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!store.getState().hasUnsavedEdits()) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [store]);
}
