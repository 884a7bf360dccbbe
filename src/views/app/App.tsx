import { useRef } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';
import { openPhase } from '../../store/action-guard.ts';
import { DropZone } from './DropZone.tsx';
import { EditProgress } from '../edits/EditProgress.tsx';
import { EmptyState } from './EmptyState.tsx';
import { GoToDialog, type GoToHandle } from './GoToDialog.tsx';
import { CompatDialog, type CompatHandle } from '../compat/CompatDialog.tsx';
import { NoticeBar } from './NoticeBar.tsx';
import { ScanProgress } from './ScanProgress.tsx';
import { StatusLine } from './StatusLine.tsx';
import { Toolbar } from './Toolbar.tsx';
import { ComparePanel } from '../compare/ComparePanel.tsx';
import { useEditKeys } from '../edits/useEditKeys.ts';
import { useLeaveGuard } from './useLeaveGuard.ts';
import { Workspace } from './Workspace.tsx';

export function App() {
  const hasModel = useExplorer((s) => s.model !== null);
  const scanning = useExplorer((s) => s.scan !== null);
  const comparing = useExplorer((s) => s.compare !== null);
  const opens = useExplorer((s) => s.opens);
  const phase = useExplorer(openPhase);
  const goTo = useRef<GoToHandle>(null);
  const check = useRef<CompatHandle>(null);
  useEditKeys();
  useLeaveGuard();

  return (
    // data-open-state: where the open is ('done' once its final model is in), for tests and styles.
    <div className={comparing ? 'app comparing' : 'app'} data-open-state={phase}>
      <Toolbar onGoTo={() => goTo.current?.open()} onCheck={() => check.current?.open()} />
      <ScanProgress />
      <EditProgress />
      <NoticeBar />
      {hasModel && comparing && <ComparePanel />}
      {/* Mounted hidden while the file is read, so the section table only has to be filled when
          the sections arrive (issue #12: mounting the panes then took ~160 ms of the first open). */}
      {hasModel || scanning ? <Workspace key={opens} reading={!hasModel} /> : <EmptyState />}
      <StatusLine />
      <DropZone />
      {/* Mounted without a file too: Ctrl+G then says why it cannot go anywhere. */}
      <GoToDialog ref={goTo} />
      <CompatDialog ref={check} />
    </div>
  );
}
