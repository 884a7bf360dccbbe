// What "Go to" accepts: a file offset in hex (0x1f0, 1f0h) or decimal, a field path, or a section.

import { recordTitle, type StreamModel } from '../format/model.ts';
import { fieldIndex } from './field-index.ts';

export type GoToTarget =
  | { kind: 'offset'; offset: number }
  | { kind: 'field'; path: string }
  | { kind: 'record'; index: number }
  /** `path`: the text was taken as a field path or section title that no record has (yet). */
  | { kind: 'error'; message: string; path?: string };

export function parseGoTo(text: string, model: StreamModel): GoToTarget {
  const t = text.trim();
  if (!t) return { kind: 'error', message: 'Type an offset or a field path' };
  let offset: number | null = null;
  if (/^0x[0-9a-f]+$/i.test(t)) offset = parseInt(t.slice(2), 16);
  else if (/^[0-9a-f]+h$/i.test(t)) offset = parseInt(t.slice(0, -1), 16);
  else if (/^\d+$/.test(t)) offset = Number(t);
  if (offset !== null) {
    if (!Number.isSafeInteger(offset) || offset >= model.fileSize) return { kind: 'error', message: `${t} is past the end of the file (${model.fileSize.toLocaleString('en-US')} bytes)` };
    return { kind: 'offset', offset };
  }
  // "cpu (0) / env.regs[0]" as the status line writes it is accepted too.
  const path = t.replace(/\s+\/\s+/g, '/');
  const suffix = `/${path}`;
  let bySuffix: string | null = null;
  for (const r of model.records) {
    if (recordTitle(r) === path) return { kind: 'record', index: r.index };
    const byPath = fieldIndex(r).byPath;
    if (byPath.has(path)) return { kind: 'field', path };
    if (bySuffix === null) for (const p of byPath.keys()) if (p.endsWith(suffix)) { bySuffix = p; break; }
  }
  if (bySuffix) return { kind: 'field', path: bySuffix };
  return { kind: 'error', message: `No offset, field or section matches "${t}"`, path };
}
