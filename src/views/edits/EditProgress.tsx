import { useEffect, useState } from 'react';
import { useExplorer } from '../../store/useExplorer.ts';

/** Small files decode again in a blink; the bar appears only when it takes a while. */
const SHOW_AFTER_MS = 400;

/** While the worker decodes the edited file again (a large stream takes seconds). */
export function EditProgress() {
  const busy = useExplorer((s) => s.editBusy);
  const [shown, setShown] = useState<number | null>(null);
  const id = busy?.id ?? null;
  useEffect(() => {
    if (id === null) return;
    const t = setTimeout(() => setShown(id), SHOW_AFTER_MS);
    return () => clearTimeout(t);
  }, [id]);
  if (!busy || shown !== busy.id) return null;
  return (
    <div className="scan-progress">
      <span>{busy.label}: decoding the edited file</span>
      <progress max={busy.total || 1} value={busy.scanned} aria-label={busy.label} />
    </div>
  );
}
