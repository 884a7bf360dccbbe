import { useEffect, useRef, useState } from 'react';
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
  const open = hasModel || scanning;
  const standby = useIdle();
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
          the sections arrive (issue #12: mounting the panes then took ~160 ms of the first open).
          Before any file, once the page is idle, the next open's panes wait mounted on standby
          (hidden, inert): the open then only shows them, and its ~50 ms of mounting and
          layouts no longer take a core from the worker's scan (2 cores, Chromium trace of the bench). */}
      {!open && <EmptyState />}
      {(open || standby) && <Workspace key={open ? opens : opens + 1} reading={!hasModel} standby={!open} />}
      <StatusLine />
      <DropZone />
      {/* Mounted without a file too: Ctrl+G then says why it cannot go anywhere. */}
      <GoToDialog ref={goTo} />
      <CompatDialog ref={check} />
    </div>
  );
}

/** At most this long after the page mounts, a busy page mounts the standby panes all the same. */
const STANDBY_WITHIN_MS = 600;

/** True once the page has been idle after it mounted (or STANDBY_WITHIN_MS passed). */
function useIdle(): boolean {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    if (typeof requestIdleCallback !== 'function') {
      const timer = setTimeout(() => setIdle(true), STANDBY_WITHIN_MS);
      return () => clearTimeout(timer);
    }
    const id = requestIdleCallback(() => setIdle(true), { timeout: STANDBY_WITHIN_MS });
    return () => cancelIdleCallback(id);
  }, []);
  return idle;
}
