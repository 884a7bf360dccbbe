import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { FieldNode } from '../format/model.ts';
import { selectedRecord } from '../store/selectors.ts';
import { useExplorer } from '../store/useExplorer.ts';
import { FieldTreeItem } from './FieldTreeItem.tsx';
import { copyText } from './format-value.ts';
import { treeRows, type TreeRow } from './tree-rows.ts';

const NO_FIELDS: FieldNode[] = [];

/** The selected record's fields as an ARIA tree with a roving focus. */
export function FieldTree() {
  const rec = useExplorer(selectedRecord);
  const expanded = useExplorer((s) => s.expanded);
  const fieldPath = useExplorer((s) => s.fieldPath);
  const setExpanded = useExplorer((s) => s.setExpanded);
  const selectField = useExplorer((s) => s.selectField);
  const [focusKey, setFocusKey] = useState<string | null>(null);
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

  if (!rec) return null;

  const focusRow = (row: TreeRow | undefined) => {
    if (!row) return;
    setFocusKey(row.key);
    treeRef.current?.querySelector<HTMLElement>(`[data-key="${CSS.escape(row.key)}"]`)?.focus();
  };
  const select = (row: TreeRow) => {
    setFocusKey(row.key);
    if (row.node) selectField(row.node.path);
    else setExpanded(row.key, !row.expanded);
  };
  const toggle = (row: TreeRow) => setExpanded(row.key, !row.expanded);
  const copy = (text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(text), () => setCopied(null));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const row = rows[focusIndex];
    if (!row) return;
    const byKey: Record<string, () => void> = {
      ArrowDown: () => focusRow(rows[focusIndex + 1]),
      ArrowUp: () => focusRow(rows[focusIndex - 1]),
      Home: () => focusRow(rows[0]),
      End: () => focusRow(rows[rows.length - 1]),
      ArrowRight: () => (row.expandable && !row.expanded ? toggle(row) : row.expanded ? focusRow(rows[focusIndex + 1]) : undefined),
      ArrowLeft: () => (row.expanded ? toggle(row) : focusRow(rows.find((r) => r.key === row.parentKey))),
      Enter: () => select(row),
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
      <div ref={treeRef} role="tree" aria-label="Fields" className="tree" onKeyDown={onKeyDown}>
        {rows.map((row, i) => (
          <FieldTreeItem key={row.key} row={row} selected={!!row.node && row.node.path === fieldPath} focused={i === focusIndex} onSelect={select} onFocus={(r) => setFocusKey(r.key)} onToggle={toggle} onCopy={copy} />
        ))}
      </div>
      {rows.length === 0 && <p className="muted">No decoded fields in this record.</p>}
      <div className="sr-only" aria-live="polite">{copied !== null ? `Copied ${copied.slice(0, 80)}` : ''}</div>
    </>
  );
}
