import { offsetText, useContainer } from '../common/offset-label.ts';
import type { TreeRow } from './tree-rows.ts';
import { copyText, formatValue } from '../common/format-value.ts';

interface Props {
  row: TreeRow;
  selected: boolean;
  focused: boolean;
  /** Holds bytes that differ from the original file. */
  edited: boolean;
  onSelect(row: TreeRow): void;
  onFocus(row: TreeRow): void;
  onToggle(row: TreeRow): void;
  /** Double-click: a leaf opens its editor. */
  onEdit(row: TreeRow): void;
  onCopy(text: string): void;
  /** Inside a container: the offset in both coordinates, labelled (the offset's tooltip). */
  offsetTitle?(offset: number): string | undefined;
}

/** One item of the field tree: name, value, type and offset. */
export function FieldTreeItem({ row, selected, focused, edited, onSelect, onFocus, onToggle, onEdit, onCopy, offsetTitle }: Props) {
  const n = row.node;
  const name = n ? n.name : `[${row.group!.from}…${row.group!.to - 1}]`;
  const value = n ? formatValue(n) : `${row.group!.to - row.group!.from} elements`;
  const type = n ? (n.kind === 'subsection' ? 'subsection' : n.type) : '';
  const container = useContainer();
  const offset = n ? offsetText(container, n.offset) : '';
  // The name holds every word the row shows, in its order (WCAG 2.5.3, label in name: speech
  // input users say what they see), then the state the row shows only by its colour.
  const label = [`${name}${value ? ` = ${value}` : ''}`, type, offset, edited ? 'edited' : ''].filter(Boolean).join(', ');
  return (
    <div
      role="treeitem"
      aria-level={row.level}
      aria-expanded={row.expandable ? row.expanded : undefined}
      aria-selected={selected}
      aria-posinset={row.posInSet}
      aria-setsize={row.setSize}
      aria-label={label}
      data-key={row.key}
      data-edited={edited || undefined}
      tabIndex={focused ? 0 : -1}
      className={`ti${selected ? ' selected' : ''}${edited ? ' edited' : ''}`}
      onClick={() => onSelect(row)}
      onFocus={() => onFocus(row)}
      onDoubleClick={() => (row.expandable ? onToggle(row) : onEdit(row))}
    >
      <span className="ti-name" style={{ paddingInlineStart: `${(row.level - 1) * 14}px` }}>
        <span
          className={`twisty${row.expandable ? '' : ' leaf'}`}
          aria-hidden="true"
          onClick={(e) => {
            e.stopPropagation();
            if (row.expandable) onToggle(row);
          }}
        >
          {row.expandable ? (row.expanded ? '▾' : '▸') : ''}
        </span>
        {name}
      </span>{' '}
      <span className="ti-value">
        {edited && <span className="edit-dot" aria-hidden="true" title="edited">●</span>}
        {value}
      </span>
      {/* Spaces between the parts keep the row's text words apart for find-in-page and for the
          accessibility checks; a grid places only the elements. */}{' '}
      <span className="ti-type">{type}</span> <span className="ti-off" title={n ? offsetTitle?.(n.offset) : undefined}>{offset}</span>
      {selected && n && (
        <button
          type="button"
          className="ti-copy"
          tabIndex={-1}
          aria-label={`Copy value of ${n.path}`}
          title="Copy the value"
          onClick={(e) => {
            e.stopPropagation();
            onCopy(copyText(n));
          }}
        >
          {/* An icon, not the word: the item's name must hold every word the item shows. */}
          <svg aria-hidden="true" width="11" height="11" viewBox="0 0 11 11" fill="none" stroke="currentColor">
            <rect x="0.5" y="2.5" width="7" height="8" rx="1" />
            <path d="M3 0.5h6.5v8" />
          </svg>
        </button>
      )}
    </div>
  );
}
