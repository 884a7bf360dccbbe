import { useContainer } from '../common/offset-label.ts';
import { flexRender, getCoreRowModel, getFilteredRowModel, getSortedRowModel, useReactTable, type Row } from '@tanstack/react-table';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { StreamRecord } from '../../format/model.ts';
import { editedRecords } from '../../store/edit-marks.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { titleTruncated } from '../common/overflow-title.ts';
import { ColumnResizer } from './ColumnResizer.tsx';
import { FILL_COLUMN, offsetColumnWidth, rowText, SECTION_COLUMNS, sizeColumnWidth } from './section-columns.ts';
import { SectionRow } from './SectionRow.tsx';
import { useColumnSizing } from './useColumnSizing.ts';
import { useRowWindow } from './useRowWindow.ts';

const EMPTY: StreamRecord[] = [];
/** Must match `.sections-grid tbody tr` and the sticky header height in sections.css. */
const ROW_PX = 21;
const HEAD_PX = 34;
const COLUMN_IDS = SECTION_COLUMNS.map((c) => c.id!);

/** Every record of the file; sortable, filterable, and the keyboard moves the selection. */
export function SectionTable() {
  const container = useContainer();
  const records = useExplorer((s) => s.model?.records ?? EMPTY);
  const filter = useExplorer((s) => s.sectionFilter);
  const sorting = useExplorer((s) => s.sorting);
  const setFilter = useExplorer((s) => s.setSectionFilter);
  const setSorting = useExplorer((s) => s.setSorting);
  const selected = useExplorer((s) => s.recordIndex);
  const selectRecord = useExplorer((s) => s.selectRecord);
  const edited = useExplorer((s) => editedRecords(s.model, s.edits.changed));
  const partial = useExplorer((s) => s.partial);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const focusNext = useRef<number | null>(null);
  const [savedSizing, setColumnSizing] = useColumnSizing(COLUMN_IDS);
  // A width the person set wins; otherwise Offset and Size are as wide as this file's figures.
  const columnSizing = useMemo(() => {
    let offset = 0;
    let size = 0;
    for (const r of records) {
      offset = Math.max(offset, r.offset);
      size = Math.max(size, r.size);
    }
    return { offset: offsetColumnWidth(offset), size: sizeColumnWidth(size), ...savedSizing };
  }, [records, savedSizing]);

  const table = useReactTable({
    data: records,
    columns: SECTION_COLUMNS,
    state: { sorting, globalFilter: filter, columnSizing },
    onColumnSizingChange: setColumnSizing,
    columnResizeMode: 'onChange',
    onSortingChange: (u) => setSorting(typeof u === 'function' ? u(sorting) : u),
    globalFilterFn: (row, _col, value: string) => rowText(row.original).includes(value.trim().toLowerCase()),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getRowId: (r) => String(r.index),
    sortDescFirst: false,
  });
  const rows = table.getRowModel().rows;
  const leafColumns = table.getVisibleLeafColumns();
  const columnIds = useMemo(() => leafColumns.map((c) => c.id), [leafColumns]);

  const win = useRowWindow(scrollRef, rows.length, ROW_PX);
  const { ensureVisible } = win;

  // Keep the selected row in view when the selection comes from elsewhere (hex, problems).
  useEffect(() => {
    if (selected === null) return;
    ensureVisible(rows.findIndex((r) => r.original.index === selected), HEAD_PX);
  }, [selected, rows, ensureVisible]);

  // Keyboard moves focus to a row that may only exist after the scroll above re-rendered.
  useEffect(() => {
    if (focusNext.current === null) return;
    const tr = bodyRef.current?.querySelector<HTMLElement>(`tr[data-index="${focusNext.current}"]`);
    if (tr) {
      tr.focus();
      focusNext.current = null;
    }
  });

  const move = (e: KeyboardEvent, rowsList: Row<StreamRecord>[]) => {
    const at = rowsList.findIndex((r) => r.original.index === selected);
    const steps: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rowsList.length - 1, PageDown: at + 10, PageUp: at - 10 };
    if (!(e.key in steps) || rowsList.length === 0) return;
    e.preventDefault();
    const next = rowsList[Math.min(rowsList.length - 1, Math.max(0, steps[e.key]))];
    focusNext.current = next.original.index;
    selectRecord(next.original.index);
  };

  const focusable = rows.some((r) => r.original.index === selected) ? selected : rows[0]?.original.index;

  return (
    <section className="pane sections" aria-label="Section list">
      <div className="pane-head">
        <h2>Sections</h2>
        <input type="search" className="filter" placeholder="Filter sections" aria-label="Filter sections" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="count">{rows.length === records.length ? `${records.length} records` : `${rows.length} of ${records.length}`}</span>
      </div>
      {partial === 'devices' && <p className="partial-note" role="note">Device sections found from the end of the file; RAM and the records before the devices are still being read.</p>}
      <div className="table-scroll" ref={scrollRef}>
        <table aria-label="Sections" className="grid sections-grid" style={{ minWidth: table.getTotalSize() }} onMouseOver={titleTruncated}>
          <colgroup>
            {leafColumns.map((c) => (
              <col key={c.id} style={{ width: c.id === FILL_COLUMN ? undefined : c.getSize() }} />
            ))}
          </colgroup>
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const dir = h.column.getIsSorted();
                  // Inside a container the offsets are the stream's (ContainerPanel says where it lies in the file).
                  const label = h.column.id === 'offset' && container ? 'Stream offset' : String(h.column.columnDef.header);
                  return (
                    // Named by the label alone: the resize handle inside would join the name.
                    <th key={h.id} aria-label={label} aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'} className={`c-${h.column.id}`}>
                      <button type="button" onClick={h.column.getToggleSortingHandler()}>
                        {h.column.id === 'offset' && container ? label : flexRender(h.column.columnDef.header, h.getContext())}
                        <span className="sort-mark" aria-hidden="true">{dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}</span>
                      </button>
                      <ColumnResizer header={h} />
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody ref={bodyRef} onKeyDown={(e) => move(e, rows)}>
            {win.padTop > 0 && <tr aria-hidden="true" className="spacer" style={{ height: win.padTop }} />}
            {rows.slice(win.first, win.last).map((row) => {
              const r = row.original;
              return <SectionRow key={row.id} record={r} columns={columnIds} selected={r.index === selected} edited={edited.has(r.index)} focusable={r.index === focusable} onSelect={selectRecord} />;
            })}
            {win.padBottom > 0 && <tr aria-hidden="true" className="spacer" style={{ height: win.padBottom }} />}
          </tbody>
        </table>
      </div>
    </section>
  );
}
