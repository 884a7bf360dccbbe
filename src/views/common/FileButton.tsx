import type { ChangeEvent } from 'react';

/**
 * A button-looking label around a file input, so the input's accessible name is the label.
 * `refused`: why it cannot be used now; the input is disabled and the label says why on hover.
 */
export function FileButton({ label, accept, onFile, className = '', refused }: { label: string; accept?: string; onFile(f: File): void; className?: string; refused?: string | null }) {
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    // Reset so picking the same file again still fires change.
    e.target.value = '';
    if (f) onFile(f);
  };
  return (
    <label className={`button file-button ${className}`} title={refused ?? undefined} data-refused={refused ? true : undefined}>
      {label}
      <input type="file" className="sr-only" accept={accept} onChange={onChange} disabled={!!refused} />
    </label>
  );
}
