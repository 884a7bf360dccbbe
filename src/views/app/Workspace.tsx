import { useEffect, useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout } from 'react-resizable-panels';
import { ContainerPanel } from '../container/ContainerPanel.tsx';
import { MultifdPanel } from '../ram/MultifdPanel.tsx';
import { EditsPanel } from '../edits/EditsPanel.tsx';
import { DataInspector } from '../hex/DataInspector.tsx';
import { HexView } from '../hex/HexView.tsx';
import { SectionTable } from '../sections/SectionTable.tsx';
import { FieldsPane } from '../tree/FieldsPane.tsx';
import { ProblemsPanel } from './ProblemsPanel.tsx';
import { firstLayout, PANE_MIN } from './pane-layout.ts';

/** Panel sizes the person dragged to are kept across reloads (never sizes derived from the window). */
const STORAGE_ID = 'vmstate-explorer.panes';

/**
 * The three panes side by side, resizable by dragging or with the keyboard (focus a separator,
 * then the arrow keys; Enter collapses nothing here, double-click resets).
 * react-resizable-panels draws the separators as WAI-ARIA `separator`s with their values.
 * `reading`: the file is still being read. The panes are laid out already but hidden (not seen,
 * focused or read out), and a note says what happens: each Panel and Separator reads the layout
 * as it registers (react-resizable-panels sorts them by offsetLeft), five full layouts of the page
 * that now happen while the worker reads, not after the sections arrive.
 */
/** `standby`: no file yet; mounted for the next open, hidden and inert whole (App.tsx). */
export function Workspace({ reading = false, standby = false }: { reading?: boolean; standby?: boolean }) {
  const { defaultLayout, onLayoutChanged } = useDefaultLayout({ id: STORAGE_ID, storage: safeStorage(), onlySaveAfterUserInteractions: true });
  // Computed once per mount: the layout must not jump while the person works.
  const [initial] = useState(() => defaultLayout ?? firstLayout(window.innerWidth));
  const hexShown = useAfterPaint(!reading);
  return (
    <main className={`workspace${reading ? ' reading' : ''}${standby ? ' standby' : ''}`} inert={standby} aria-hidden={standby || undefined}>
      {reading && (
        <div className="reading-note">
          {/* A qcow2 image's snapshot list shows while the chosen VM state is still being read. */}
          <ContainerPanel />
          <div className="empty muted">The file is read in a background worker, in slices; the page stays usable meanwhile.</div>
        </div>
      )}
      <Group orientation="horizontal" className="panes" defaultLayout={initial} onLayoutChanged={onLayoutChanged} inert={reading} aria-hidden={reading || undefined}>
        <Panel id="sections" minSize={PANE_MIN.sections} className="col-left">
          {!reading && <ContainerPanel />}
          {!reading && <MultifdPanel />}
          <SectionTable />
          <ProblemsPanel />
          <EditsPanel />
        </Panel>
        <Separator className="pane-sep" aria-label="Resize the section list and the field pane" />
        <Panel id="fields" minSize={PANE_MIN.fields} className="col-mid">
          <FieldsPane />
        </Panel>
        <Separator className="pane-sep" aria-label="Resize the field pane and the hex view" />
        <Panel id="hex" minSize={PANE_MIN.hex} groupResizeBehavior="preserve-pixel-size" className="col-right">
          {/* Not while reading: its viewport is measured once, when it mounts with a file (useHexViewport). */}
          {hexShown && <HexView />}
          <DataInspector />
        </Panel>
      </Group>
    </main>
  );
}

/**
 * True from the task after the first frame painted with `ready` true: the hex view mounts once the
 * section table is on screen. Mounted with it, its viewport's measurement (a forced layout of the
 * whole page in its effect, then its rows for that height and their layout) ran between the
 * sections' arrival and the table's first frame: about half of the page's ~100 ms there at load 15
 * (Chromium trace of `npm run bench` part devstate).
 */
function useAfterPaint(ready: boolean): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!ready || shown) return;
    // requestAnimationFrame runs before that frame's paint; a task queued from it runs after.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setShown(true))));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [ready, shown]);
  return shown;
}

const NO_STORAGE = { getItem: () => null, setItem: () => undefined };

/** localStorage, or none where the browser refuses it (storage disabled): a layout then lasts one visit. */
function safeStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    return window.localStorage;
  } catch {
    return NO_STORAGE;
  }
}
