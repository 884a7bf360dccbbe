import { useRef } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import { DropZone } from './DropZone.tsx';
import { EditProgress } from '../edits/EditProgress.tsx';
import { EmptyState } from './EmptyState.tsx';
import { GoToDialog, type GoToHandle } from './GoToDialog.tsx';
import { NoticeBar } from './NoticeBar.tsx';
import { ScanProgress } from './ScanProgress.tsx';
import { StatusLine } from './StatusLine.tsx';
import { Toolbar } from './Toolbar.tsx';
import { useEditKeys } from '../edits/useEditKeys.ts';
import { useLeaveGuard } from './useLeaveGuard.ts';
import { Workspace } from './Workspace.tsx';

export function App() {
  const hasModel = useExplorer((s) => s.model !== null);
  const scanning = useExplorer((s) => s.scan !== null);
  const goTo = useRef<GoToHandle>(null);
  useEditKeys();
  useLeaveGuard();

  return (
    <div className="app">
      <Toolbar onGoTo={() => goTo.current?.open()} />
      <ScanProgress />
      <EditProgress />
      <NoticeBar />
      {hasModel ? (
        <Workspace />
      ) : scanning ? (
        <div className="empty muted">The file is read in a background worker, in slices; the page stays usable meanwhile.</div>
      ) : (
        <EmptyState />
      )}
      <StatusLine />
      <DropZone />
      {hasModel && <GoToDialog ref={goTo} />}
    </div>
  );
}
