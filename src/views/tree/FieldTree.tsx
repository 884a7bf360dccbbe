import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { FieldNode, StreamRecord } from '../../format/model.ts';
import { isChanged } from '../../store/edit-marks.ts';
import { fieldIndex } from '../../store/field-index.ts';
import { selectedRecord } from '../../store/selectors.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { offsetTitle as offsetTitleOf, useContainer } from '../common/offset-label.ts';
import type { ByteRange } from '../../format/byte-range.ts';
import { titleTruncated } from '../common/overflow-title.ts';
import { FieldEditor } from '../edits/FieldEditor.tsx';
import { FieldTreeItem } from './FieldTreeItem.tsx';
import { copyText } from '../common/format-value.ts';
import { treeRows, type TreeRow } from './tree-rows.ts';

const NO_FIELDS: FieldNode[] = [];

/** A row holds edited bytes: its node's, or for an array group its elements'. */
function rowEdited(row: TreeRow, changed: readonly ByteRange[], rec: StreamRecord): boolean {
  if (changed.length === 0) return false;
  if (row.node) return row.node.size > 0 && isChanged(changed, row.node.offset, row.node.offset + row.node.size);
  const g = row.group!;
  const elements = fieldIndex(rec).byPath.get(g.arrayPath)?.node.children;
  const first = elements?.[g.from];
  const last = elements?.[g.to - 1];
  return !!first && !!last && isChanged(changed, first.offset, last.offset + last.size);
}

/** The selected record's fields as an ARIA tree with a roving focus. */
export function FieldTree() {
  const rec = useExplorer(selectedRecord);
  const expanded = useExplorer((s) => s.expanded);
  const fieldPath = useExplorer((s) => s.fieldPath);
  const setExpanded = useExplorer((s) => s.setExpanded);
  const selectField = useExplorer((s) => s.selectField);
  const changed = useExplorer((s) => s.edits.changed);
  const container = useContainer();
  const offsetTitle = useCallback((offset: number) => (container ? offsetTitleOf(container, offset) : undefined), [container]);
  const allow = useExplorer((s) => s.allow);
  const loading = useExplorer((s) => s.partial === 'outline');
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const refocus = useRef<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const treeRef = useRef<HTMLDivElement>(null);

  const rows = useMemo(() => treeRows(rec?.fields ?? NO_FIELDS, expanded), [rec, expanded]);
  const focusIndex = Math.max(0, rows.findIndex((r) => r.key === (focusKey ?? fieldPath)));

  // A selection made elsewhere (hex click, search, go to) moves the focus here and into view.
  useEffect(() => {
    if (!fieldPath) return;
    setFocusKey(fieldPath);
    treeRef.current?.querySelector(`[data-key="${CSS.escape(fieldPath)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [fieldPath, rows]);

  // The item edited last takes the focus back once the new model has rendered.
  useEffect(() => {
    if (refocus.current === null) return;
    treeRef.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(refocus.current)}"]`)?.focus();
    refocus.current = null;
  });

  // Another record: its editor would edit a field that is no longer shown.
  const recIndex = rec?.index;
  useEffect(() => setEditing(null), [recIndex]);

  if (!rec) return null;

  // Selection follows focus, as in most tree views: the hex view, inspector and status line show
  // the field the arrows reach, not the one last pressed Space on. A move costs one store update
  // and the re-render a focus move already made; a group row (an array's elements) selects
  // nothing, so the selection stays on the last field passed.
  const focusRow = (row: TreeRow | undefined) => {
    if (!row) return;
    setFocusKey(row.key);
    if (row.node) selectField(row.node.path);
    treeRef.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(row.key)}"]`)?.focus();
  };
  const select = (row: TreeRow) => {
    setFocusKey(row.key);
    if (row.node) selectField(row.node.path);
    else setExpanded(row.key, !row.expanded);
  };
  const toggle = (row: TreeRow) => setExpanded(row.key, !row.expanded);
  const edit = (row: TreeRow) => {
    // Refused while the file opens: the notice bar says why, the row is still selected.
    if (!row.node || row.expandable || !allow('edit')) return select(row);
    selectField(row.node.path);
    setFocusKey(row.key);
    setEditing(row.node.path);
  };
  const closeEditor = () => {
    refocus.current = editing;
    setEditing(null);
  };
  const copy = (text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(text), () => setCopied(null));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // Keys typed into an editor are the editor's.
    if ((e.target as HTMLElement).closest('.field-editor')) return;
    const row = rows[focusIndex];
    if (!row) return;
    const byKey: Record<string, () => void> = {
      ArrowDown: () => focusRow(rows[focusIndex + 1]),
      ArrowUp: () => focusRow(rows[focusIndex - 1]),
      Home: () => focusRow(rows[0]),
      End: () => focusRow(rows[rows.length - 1]),
      ArrowRight: () => (row.expandable && !row.expanded ? toggle(row) : row.expanded ? focusRow(rows[focusIndex + 1]) : undefined),
      ArrowLeft: () => (row.expanded ? toggle(row) : focusRow(rows.find((r) => r.key === row.parentKey))),
      Enter: () => (row.node && !row.expandable ? edit(row) : select(row)),
      F2: () => edit(row),
      ' ': () => select(row),
    };
    if ((e.ctrlKey || e.metaKey) && e.key === 'c' && row.node) {
      e.preventDefault();
      copy(copyText(row.node));
      return;
    }
    const action = byKey[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  };

  return (
    <>
      <div ref={treeRef} role="tree" aria-label="Fields" className="tree" onKeyDown={onKeyDown} onMouseOver={titleTruncated}>
        {rows.map((row, i) => (
          <Fragment key={row.key}>
            <FieldTreeItem row={row} selected={!!row.node && row.node.path === fieldPath} focused={i === focusIndex} edited={rowEdited(row, changed, rec)} offsetTitle={offsetTitle} onSelect={select} onFocus={(r) => setFocusKey(r.key)} onToggle={toggle} onEdit={edit} onCopy={copy} />
            {editing === row.key && row.node && (
              // A tree owns only items (and groups of items): the editor under the edited field is
              // an item of its own, named by its content, outside the arrow keys' item list.
              <div role="treeitem" aria-level={row.level + 1} className="ti-edit-item">
                <FieldEditor node={row.node} onClose={closeEditor} />
              </div>
            )}
          </Fragment>
        ))}
      </div>
      {rows.length === 0 && <p className="muted">{loading ? 'Loading fields…' : 'No decoded fields in this record.'}</p>}
      <div className="sr-only" aria-live="polite">{copied !== null ? `Copied ${copied.slice(0, 80)}` : ''}</div>
    </>
  );
}
