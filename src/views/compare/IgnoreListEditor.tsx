import { useState } from 'react';
import { RefusableButton } from '../common/Refusable.tsx';
import { useIgnoreList } from './useIgnoreList.ts';

/**
 * The fields hidden from the comparison: one path per line, `*` for any characters; a path hides
 * everything below it ("timer (0)" the whole section). Kept in this browser.
 */
export function IgnoreListEditor() {
  const { list, save, reset } = useIgnoreList();
  const [draft, setDraft] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const text = draft ?? list.join('\n');
  const apply = () => {
    const next = text.split('\n').map((l) => l.trim()).filter(Boolean);
    setNote(save(next) ?? `${next.length} pattern${next.length === 1 ? '' : 's'} applied and kept in this browser.`);
    setDraft(null);
  };
  return (
    <details className="ignore-list">
      <summary>Ignored fields ({list.length})</summary>
      <label className="ignore-label" htmlFor="ignore-text">
        Timers and counters that always move: one field path per line, * for any characters.
      </label>
      <textarea id="ignore-text" rows={6} spellCheck={false} value={text} onChange={(e) => setDraft(e.target.value)} />
      <div className="fe-buttons">
        <RefusableButton by={{ reason: draft === null ? 'The list is unchanged: edit it first' : null }} onPress={apply}>
          Apply
        </RefusableButton>
        <button type="button" onClick={() => (setNote(reset() ?? 'Back to the built-in list.'), setDraft(null))}>
          Built-in list
        </button>
        {note && <span className="muted" role="status">{note}</span>}
      </div>
    </details>
  );
}
