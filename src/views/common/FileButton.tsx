import type { ChangeEvent, MouseEvent } from 'react';
import type { UserAction } from '../../store/action-guard.ts';
import { useRefusal } from './Refusable.tsx';

/**
 * A button-looking label around a file input, so the input's accessible name is the label.
 * `action`: what the store's guard decides about; while it is refused the input stays focusable
 * (aria-disabled) with the reason as its description, and a press or a pick says the reason in
 * the notice bar instead of opening the picker (Refusable.tsx).
 * With `onFiles` several files can be picked at once (a multifd main channel and its channels).
 */
export function FileButton({ label, accept, onFile, onFiles, className = '', action, title }: { label: string; accept?: string; onFile?(f: File): void; onFiles?(fs: File[]): void; className?: string; action?: UserAction; title?: string }) {
  const r = useRefusal(action);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    // Reset so picking the same file again still fires change.
    e.target.value = '';
    // Files can arrive without the picker (set by a script or a test): the guard still decides.
    if (!r.allowed()) return;
    if (onFiles && files.length) onFiles(files);
    else if (files[0]) onFile?.(files[0]);
  };
  // A label's click and the keyboard's Space/Enter both reach the input as a click.
  const onClick = (e: MouseEvent<HTMLInputElement>) => {
    if (!r.allowed()) e.preventDefault();
  };
  return (
    <span className="refusable">
      <label className={`button file-button ${className}`} title={r.reason ?? title} data-refused={r.reason ? true : undefined}>
        {label}
        <input type="file" className="sr-only" accept={accept} onChange={onChange} onClick={onClick} multiple={!!onFiles} {...r.control} />
      </label>
      {r.hint}
    </span>
  );
}
