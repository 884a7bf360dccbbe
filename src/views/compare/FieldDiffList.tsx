import { useMemo, useState } from 'react';
import type { FieldDiff, SectionDiff } from '../../format/diff/types.ts';
import type { EditOutcome } from '../../store/edits-slice.ts';
import { useExplorer } from '../../store/useExplorer.ts';
import { RefusableButton, RefusableCheckbox } from '../common/Refusable.tsx';
import { fieldRows, sideText } from './compare-rows.ts';

function outcomeText(o: EditOutcome): string {
  if (o.status === 'applied') return o.warnings.length ? `Taken, with warnings: ${o.warnings.join('; ')}` : 'Taken into the open file (see Edits; undo with Ctrl+Z).';
  if (o.status === 'confirm') return `Not taken: ${o.warnings.join('; ')}`;
  return `Not taken: ${o.reason}`;
}

/** Why a field's right value cannot be taken (it is on one side only), or null. */
function untakable(f: FieldDiff): string | null {
  if (!f.right) return `Only in the open (left) file: the right file has no ${f.path} to take`;
  if (!f.left) return `Only in the right file: the open file has no ${f.path} to take it into`;
  return null;
}

/** A changed section's fields, left and right, grouped as in the tree; pick some to take the right values. */
export function FieldDiffList({ section }: { section: SectionDiff }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [result, setResult] = useState<string | null>(null);
  const selectedPath = useExplorer((s) => (s.compareSelection?.key === section.key ? s.compareSelection.path : null));
  const select = useExplorer((s) => s.selectDifference);
  const selectOffset = useExplorer((s) => s.selectOffset);
  const take = useExplorer((s) => s.takeRightValues);
  const rows = useMemo(() => fieldRows(section.fields, open), [section.fields, open]);
  const toggle = (set: ReadonlySet<string>, key: string) => {
    const next = new Set(set);
    if (!next.delete(key)) next.add(key);
    return next;
  };
  const choose = (f: FieldDiff) => {
    select({ key: section.key, path: f.path });
    // The left side is the open file: its tree and hex view follow.
    if (f.left) selectOffset(f.left.offset);
  };
  const takePicked = async (fields: FieldDiff[]) => setResult(outcomeText(await take(section.key, fields)));
  const chosen = section.fields.filter((f) => picked.has(f.path));

  return (
    <div className="field-diffs">
      {(section.status === 'only-left' || section.status === 'only-right') && (
        <p className="note">{section.key} is only in the {section.status === 'only-left' ? 'left (open)' : 'right'} file.</p>
      )}
      {section.status === 'same' && !section.ignored && <p className="note muted">{section.key} holds the same values in both files.</p>}
      {section.ignored > 0 && <p className="note muted">{section.ignored} difference{section.ignored === 1 ? ' is' : 's are'} hidden by the ignore list.</p>}
      {section.notes.map((n) => <p key={n} className="muted note">{n}</p>)}
      {section.subsections.map((x) => (
        <p key={x.path} className="note">
          Subsection <code>{x.path}</code>: {x.status === 'version' ? `version ${x.leftVersion} → ${x.rightVersion}` : `only ${x.status === 'only-left' ? 'left' : 'right'}`}
        </p>
      ))}
      <table className="grid compare-fields" aria-label={`Fields of ${section.key} compared`}>
        <thead>
          <tr>
            <th aria-label="Take" />
            <th>Field</th>
            <th>Left</th>
            <th>Right</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) =>
            r.kind === 'group' ? (
              <tr key={r.key} className="cmp-group">
                <td />
                <td colSpan={3}>
                  <button type="button" className="twisty-button" aria-expanded={r.open} onClick={() => setOpen(toggle(open, r.group))}>
                    {r.open ? '▾' : '▸'} {r.group}: {r.count} elements differ
                  </button>
                </td>
              </tr>
            ) : (
              <tr key={r.key} aria-selected={selectedPath === r.field.path} className={selectedPath === r.field.path ? 'selected' : ''} onClick={() => choose(r.field)}>
                <td>
                  <RefusableCheckbox label={`take ${r.field.path}`} by={{ reason: untakable(r.field) }} checked={picked.has(r.field.path)} onChange={() => setPicked(toggle(picked, r.field.path))} />
                </td>
                <td className={r.depth ? 'indent' : ''}>{r.field.path}</td>
                <td className="mono">{sideText(r.field.left)}</td>
                <td className="mono">{sideText(r.field.right)}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {section.unlisted > 0 && <p className="muted note">{section.unlisted} more differing bytes are not listed.</p>}
      {section.fields.length > 0 && (
        <div className="fe-buttons">
          <RefusableButton by={{ reason: chosen.length === 0 ? 'No field is ticked: tick the fields whose right values to take' : null }} onPress={() => void takePicked(chosen)}>
            Take right values of {chosen.length} field{chosen.length === 1 ? '' : 's'} into left
          </RefusableButton>
          <button type="button" onClick={() => void takePicked(section.fields)}>
            Take all right values of {section.key}
          </button>
        </div>
      )}
      {result && <p role="status" className="muted note">{result}</p>}
    </div>
  );
}
