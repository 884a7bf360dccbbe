import { memo } from 'react';
import type { StreamRecord } from '../../format/model.ts';
import { recordStatus } from './section-columns.ts';
import { SectionCell } from './SectionCell.tsx';

interface Props {
  record: StreamRecord;
  /** Ids of the visible columns, in order. */
  columns: readonly string[];
  selected: boolean;
  edited: boolean;
  /** The one row the table's roving tabindex lets Tab reach. */
  focusable: boolean;
  onSelect(index: number): void;
}

/**
 * One record of the section table. Memoized: a table of up to 150 rows (drawn whole)
 * otherwise draws every row again each time the selection moves, e.g. on every Go to.
 */
export const SectionRow = memo(function SectionRow({ record: r, columns, selected, edited, focusable, onSelect }: Props) {
  return (
    <tr
      data-index={r.index}
      aria-selected={selected}
      tabIndex={focusable ? 0 : -1}
      data-edited={edited || undefined}
      className={`st-${recordStatus(r).status}${selected ? ' selected' : ''}${r.depth ? ' nested' : ''}${edited ? ' edited' : ''}`}
      onClick={() => onSelect(r.index)}
    >
      {columns.map((c) => (
        <SectionCell key={c} column={c} record={r} />
      ))}
    </tr>
  );
});
