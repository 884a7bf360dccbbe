import { useRef } from 'react';
import { useExplorer } from '../store/useExplorer.ts';
import { DataInspector } from './DataInspector.tsx';
import { DropZone } from './DropZone.tsx';
import { EditProgress } from './EditProgress.tsx';
import { EditsPanel } from './EditsPanel.tsx';
import { EmptyState } from './EmptyState.tsx';
import { FieldsPane } from './FieldsPane.tsx';
import { GoToDialog, type GoToHandle } from './GoToDialog.tsx';
import { HexView } from './HexView.tsx';
import { NoticeBar } from './NoticeBar.tsx';
import { ProblemsPanel } from './ProblemsPanel.tsx';
import { ScanProgress } from './ScanProgress.tsx';
import { SectionTable } from './SectionTable.tsx';
import { StatusLine } from './StatusLine.tsx';
import { Toolbar } from './Toolbar.tsx';
import { ComparePanel } from './compare/ComparePanel.tsx';
import { useEditKeys } from './useEditKeys.ts';
import { useLeaveGuard } from './useLeaveGuard.ts';

export function App() {
  const hasModel = useExplorer((s) => s.model !== null);
  const scanning = useExplorer((s) => s.scan !== null);
  const comparing = useExplorer((s) => s.compare !== null);
  const goTo = useRef<GoToHandle>(null);
  useEditKeys();
  useLeaveGuard();

  return (
    <div className={comparing ? 'app comparing' : 'app'}>
      <Toolbar onGoTo={() => goTo.current?.open()} />
      <ScanProgress />
      <EditProgress />
      <NoticeBar />
      {hasModel && comparing && <ComparePanel />}
      {hasModel ? (
        <main className="workspace">
          <div className="col-left">
            <SectionTable />
            <ProblemsPanel />
            <EditsPanel />
          </div>
          <FieldsPane />
          <div className="col-right">
            <HexView />
            <DataInspector />
          </div>
        </main>
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
