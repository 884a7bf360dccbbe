import type { ChangeEvent } from 'react';

/**
 * A button-looking label around a file input, so the input's accessible name is the label.
 * `refused`: why it cannot be used now; the input is disabled and the label says why on hover.
 * With `onFiles` several files can be picked at once (a multifd main channel and its channels).
 */
export function FileButton({ label, accept, onFile, onFiles, className = '', refused, title }: { label: string; accept?: string; onFile?(f: File): void; onFiles?(fs: File[]): void; className?: string; refused?: string | null; title?: string }) {
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    // Reset so picking the same file again still fires change.
    e.target.value = '';
    if (onFiles && files.length) onFiles(files);
    else if (files[0]) onFile?.(files[0]);
  };
  return (
    <label className={`button file-button ${className}`} title={refused ?? title} data-refused={refused ? true : undefined}>
      {label}
      <input type="file" className="sr-only" accept={accept} onChange={onChange} disabled={!!refused} multiple={!!onFiles} />
    </label>
  );
}
