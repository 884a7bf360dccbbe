// Taking a worker reply (open, describe, devices first, outline, edit, undo, redo) into the store: the
// model, the file line, the edits and the byte cache, keeping what is still valid.

import type { StreamModel } from '../format/model.ts';
import type { OpenedFile } from '../worker/protocol.ts';
import { ByteCache } from './byte-cache.ts';
import { parseGoTo } from './goto-target.ts';
import type { ExplorerState, StoreDeps } from './types.ts';
import { containerOf } from './container-slice.ts';

type Get = () => ExplorerState;
type Set = (s: Partial<ExplorerState>) => void;

export const NO_EDITS: OpenedFile['edits'] = { done: [], undone: [], changed: [], framing: null };

function fetcher(deps: StoreDeps, generation: number) {
  return (offset: number, length: number) => deps.worker.request({ type: 'bytes', generation, offset, length }).result.then((r) => r.bytes);
}

/** The same bytes keep their cache; edited bytes drop only the changed pages; a new file starts afresh. */
function cacheFor(get: Get, deps: StoreDeps, generation: number, model: StreamModel, dirty: OpenedFile['dirty'] | 'new'): ByteCache {
  const prev = get().bytes;
  if (prev && get().file?.generation === generation) return prev;
  if (prev && dirty !== 'new') {
    prev.rebase(model.fileSize, fetcher(deps, generation), dirty ?? null);
    return prev;
  }
  prev?.dispose();
  return new ByteCache(model.fileSize, fetcher(deps, generation));
}

/** The record at the same offset in a new model (after devices first, or a describe). */
function sameRecord(before: StreamModel | null, after: StreamModel, index: number | null): number | null {
  const rec = index !== null ? before?.records[index] : undefined;
  if (!rec) return null;
  return after.records.find((r) => r.offset === rec.offset && r.kind === rec.kind)?.index ?? null;
}

/** A Go to asked for while the file opened, tried on each newer model; the final one says if it failed. */
function goToPending(get: Get, set: Set, text: string, final: boolean): void {
  const t = parseGoTo(text, get().model!);
  if (t.kind === 'field') get().selectField(t.path);
  else if (t.kind === 'record') get().selectRecord(t.index);
  else if (!final) set({ pendingGoTo: text });
  else set({ pendingGoTo: null, notice: { tone: 'error', text: `Go to: ${t.kind === 'error' ? t.message : text} in ${get().file?.name}.` } });
}

export function adopt(get: Get, set: Set, deps: StoreDeps, opened: OpenedFile, how: 'open' | 'describe' | 'edit' | 'devices' | 'outline'): void {
  // A field selected in the devices-first model is not in the outline (no trees): it waits too.
  const goTo = get().pendingGoTo ?? (how === 'outline' ? get().fieldPath : null);
  keepSelection(get, set, deps, opened, how);
  if (goTo !== null) goToPending(get, set, goTo, how !== 'devices' && how !== 'outline');
}

function keepSelection(get: Get, set: Set, deps: StoreDeps, opened: OpenedFile, how: 'open' | 'describe' | 'edit' | 'devices' | 'outline'): void {
  const before = get().model;
  const keepField = get().fieldPath;
  const keepRecord = sameRecord(before, opened.model, get().recordIndex);
  const old = get().recordIndex !== null ? before?.records[get().recordIndex!] : undefined;
  const range = get().range;
  const wholeRecord = !!old && !!range && range.from === old.offset && range.to === old.offset + old.size;
  // A devices-first model or outline and the full model of the same open share a generation.
  const since = how === 'open' || how === 'devices' || how === 'outline' ? opened.generation : (get().file?.since ?? opened.generation);
  const bytes = cacheFor(get, deps, opened.generation, opened.model, how === 'edit' ? opened.dirty : 'new');
  set({
    file: { name: opened.name, size: opened.model.fileSize, generation: opened.generation, since, description: opened.description },
    model: opened.model,
    bytes,
    edits: opened.edits,
    partial: how === 'devices' || how === 'outline' ? how : false,
    ...(how === 'devices' || how === 'outline' || how === 'edit' ? {} : { scan: null }),
    // Early models carry no container: the open's own 'container' event set it (openFile cleared the last one).
    ...(how === 'devices' || how === 'outline' ? {} : containerOf(opened)),
  });
  // Offsets may have moved (a renamed section, the full model replacing devices first).
  if (keepField && get().selectField(keepField)) return;
  // An edit keeps a byte selection as it is (the bytes under it are what changed); a selected
  // record stays selected whole, though a renamed header changed its size.
  if (how === 'edit' && !(wholeRecord && keepRecord !== null)) return;
  if (keepRecord !== null) get().selectRecord(keepRecord);
  else get().clearSelection();
}
