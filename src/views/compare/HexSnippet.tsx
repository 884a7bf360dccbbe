import { useEffect, useState } from 'react';
import type { FieldNode } from '../../format/model.ts';
import { hexWindow, leafAt, leavesIn } from './compare-rows.ts';

export interface SnippetProps {
  label: string;
  fileSize: number;
  /** The difference's bytes, highlighted. */
  offset: number;
  size: number;
  fetch(offset: number, length: number): Promise<Uint8Array>;
  /** The section's fields on this side, for each byte's annotation. */
  fields: readonly FieldNode[] | undefined;
  /** A click on a byte: its offset and the field holding it. */
  onPick?(offset: number, field: FieldNode | null): void;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

/** A few rows of one file's bytes around a difference; each byte names its field on hover. */
export function HexSnippet({ label, fileSize, offset, size, fetch, fields, onPick }: SnippetProps) {
  const { from, to } = hexWindow(offset, size, fileSize);
  const [bytes, setBytes] = useState<{ from: number; data: Uint8Array } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    fetch(from, to - from).then((data) => live && setBytes({ from, data }), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [fetch, from, to]);
  const rows: number[] = [];
  for (let at = from; at < to; at += 16) rows.push(at);
  const data = bytes?.from === from ? bytes.data : null;
  const leaves = leavesIn(fields, from, to);
  // Alternate shading per field, so each side's own field boundaries show without hovering.
  const shade = new Map(leaves.map((n, i) => [n, i % 2]));
  return (
    <figure className="snippet" aria-label={label}>
      <figcaption>{label} · 0x{offset.toString(16)} ({size} byte{size === 1 ? '' : 's'})</figcaption>
      {error && <p className="error-text">Could not read the bytes: {error}</p>}
      <div className="hex snippet-rows">
        {rows.map((at) => (
          <div key={at} className="snippet-row">
            <span className="hex-off">{at.toString(16).padStart(8, '0')}</span>
            {Array.from({ length: Math.min(16, to - at) }, (_, i) => {
              const o = at + i;
              const field = leafAt(fields, o);
              const inDiff = o >= offset && o < offset + size;
              const alt = field && shade.get(field) === 1 ? ' alt' : '';
              return (
                <span key={o} className={`hb${inDiff ? ' sel' : ''}${alt}`} title={field ? `0x${o.toString(16)} ${field.path}` : `0x${o.toString(16)}`} onClick={() => onPick?.(o, field)}>
                  {data ? hex2(data[o - from]) : '··'}
                </span>
              );
            })}
          </div>
        ))}
      </div>
      {leaves.length > 0 && (
        <ul className="snippet-fields" aria-label={`${label}: fields in view`}>
          {leaves.map((n) => (
            <li key={n.path} className={n.offset < offset + size && offset < n.offset + n.size ? 'sel' : undefined}>
              <button type="button" className="link mono" onClick={() => onPick?.(n.offset, n)}>
                0x{n.offset.toString(16)} {n.path.slice(n.path.indexOf('/') + 1)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
