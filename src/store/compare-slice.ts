// The comparison with a second file (issue #13): the worker compares, this slice keeps what it
// said (devices first, then the scanned devices, then RAM), the ignore list in use and the
// selected difference. Taking right-side values into the open file goes through the edit path
// as one patch action, so the usual guards, undo and download apply.

import { DEFAULT_IGNORE } from '../format/diff/ignore.ts';
import { diffJson } from '../format/diff/text.ts';
import type { DiffResult, FieldDiff } from '../format/diff/types.ts';
import type { PatchFile } from '../format/edit/patch.ts';
import { fieldType } from '../format/field-types/index.ts';
import type { StreamRecord } from '../format/model.ts';
import { isCancelled } from '../worker/client.ts';
import type { CompareEvent, CompareReply } from '../worker/protocol.ts';
import { verdict } from './action-guard.ts';
import type { EditOutcome } from './edits-slice.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface CompareState {
  /** The request while it runs; null once answered. */
  id: number | null;
  name: string;
  stage: 'starting' | 'devices-first' | 'scanned' | 'done';
  progress: { phase: 'scan' | 'ram'; done: number; total: number } | null;
  reply: CompareReply | null;
  error: string | null;
  /** performance.now() when the file was chosen, and when the first devices arrived (bench). */
  startedAt: number;
  devicesAt: number | null;
  /** The ignore list the worker was given: a newer one compares again when the reply is in. */
  ignore: readonly string[];
}

/** A difference the user picked: a section, and a field path inside it or null for the section. */
export interface CompareSelection {
  key: string;
  path: string | null;
}

export interface CompareSlice {
  compare: CompareState | null;
  compareIgnore: readonly string[];
  compareSelection: CompareSelection | null;
  /** A file to compare with, picked while the open file was still opening: compared once it is open. */
  queuedCompare: { file: Blob; name: string } | null;
  /** Runs the queued comparison (file-slice calls it when an open is done). */
  runQueuedCompare(): Promise<void>;
  compareWith(file: Blob, name: string): Promise<void>;
  /** A new ignore list: the devices are compared again (the right file is not read again). */
  setCompareIgnore(list: readonly string[]): Promise<void>;
  /** Compares the devices again against the open file as edited now. */
  refreshCompare(): Promise<void>;
  cancelCompare(): void;
  closeCompare(): void;
  selectDifference(sel: CompareSelection | null): void;
  /** Writes the right side's values of `fields` (of section `key`) into the open file, as one action. */
  takeRightValues(key: string, fields: readonly FieldDiff[]): Promise<EditOutcome>;
  compareBytes(offset: number, length: number): Promise<Uint8Array>;
  /** The open file's bytes as edited now (the left side of a side-by-side view). */
  leftBytes(offset: number, length: number): Promise<Uint8Array>;
  compareRecord(index: number): Promise<StreamRecord>;
  exportComparison(): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const now = () => (typeof performance === 'undefined' ? Date.now() : performance.now());

/** How a side's value reads in a patch: the field type's own edit text (a buffer byte as 0xNN). */
function patchText(v: NonNullable<FieldDiff['left']>, byteOf: boolean): string | null {
  if (byteOf && v.type === 'uint8' && v.size === 1) return v.text;
  // A buffer larger than the model holds carries only a preview of its bytes.
  if (v.value instanceof Uint8Array && v.value.length < v.size) return null;
  return fieldType(v.type, v.size).text(v.value, v.size);
}

/** The patch entry that sets a field to the right side's value, expecting the left side's. */
function entryFor(key: string, f: FieldDiff): PatchFile['edits'][number] | string {
  if (!f.left || !f.right) return `${key}/${f.path} exists on one side only`;
  if (f.left.size !== f.right.size) return `${key}/${f.path} has another size on each side`;
  const before = patchText(f.left, f.group !== undefined);
  const after = patchText(f.right, f.group !== undefined);
  if (before === null || after === null) return `${key}/${f.path} holds more bytes than a value carries; copy it in the hex view`;
  return { kind: 'field', path: `${key}/${f.path}`, before, after };
}

export const createCompareSlice = (deps: StoreDeps): Slice<CompareSlice> => (set, get) => {
  const adopt = (id: number, reply: CompareReply, stage: CompareState['stage']) => {
    const c = get().compare;
    if (c?.id !== id) return;
    set({ compare: { ...c, reply, stage, devicesAt: c.devicesAt ?? now(), ...(stage === 'done' ? { id: null, progress: null } : {}) } });
  };

  const again = async (ignore: readonly string[]) => {
    const f = get().file;
    const c = get().compare;
    if (!f || !c?.reply || c.id !== null) return;
    try {
      const reply = await deps.worker.request({ type: 'recompare', generation: f.generation, ignore: [...ignore] }).result;
      const cur = get().compare;
      if (cur?.startedAt === c.startedAt) set({ compare: { ...cur, reply, error: null, ignore } });
    } catch (e) {
      const cur = get().compare;
      if (cur?.startedAt === c.startedAt) set({ compare: { ...cur, error: message(e) } });
    }
  };

  return {
    compare: null,
    compareIgnore: DEFAULT_IGNORE,
    compareSelection: null,

    queuedCompare: null,

    async runQueuedCompare() {
      const q = get().queuedCompare;
      if (!q) return;
      set({ queuedCompare: null });
      await get().compareWith(q.file, q.name);
    },

    async compareWith(file, name) {
      const v = verdict(get(), 'compare');
      if (v.do === 'refuse') {
        set({ notice: { tone: 'error', text: `${v.reason}; ${name} was not compared.` } });
        return;
      }
      if (v.do === 'later') {
        // The scan progress shows it waiting; the open runs it when it is done (or says it was not).
        set({ queuedCompare: { file, name } });
        return;
      }
      const f = get().file!;
      const running = get().compare;
      if (running?.id) void deps.worker.cancel(running.id);
      const startedAt = now();
      const onCompare = (e: CompareEvent) => {
        if (e.type === 'compare-progress') {
          const c = get().compare;
          if (c?.id === pending.id) set({ compare: { ...c, progress: { phase: e.phase, done: e.done, total: e.total } } });
        } else adopt(pending.id, e, e.stage);
      };
      const pending = deps.worker.request({ type: 'compare', generation: f.generation, file, name, ignore: [...get().compareIgnore] }, { onCompare });
      const ignore = get().compareIgnore;
      set({ compare: { id: pending.id, name, stage: 'starting', progress: null, reply: null, error: null, startedAt, devicesAt: null, ignore }, compareSelection: null });
      try {
        const reply = await pending.result;
        if (get().compare?.id !== pending.id) return;
        adopt(pending.id, reply, 'done');
        if (get().compareIgnore !== ignore) await again(get().compareIgnore);
      } catch (e) {
        const c = get().compare;
        if (c?.id !== pending.id) return;
        set({ compare: { ...c, id: null, progress: null, error: isCancelled(e) ? `Cancelled comparing with ${name}.` : `Could not compare with ${name}: ${message(e)}` } });
      }
    },

    async setCompareIgnore(list) {
      set({ compareIgnore: list });
      await again(list);
    },

    refreshCompare: () => again(get().compareIgnore),

    cancelCompare() {
      const c = get().compare;
      if (c?.id) void deps.worker.cancel(c.id);
    },

    closeCompare() {
      const c = get().compare;
      if (c?.id) void deps.worker.cancel(c.id);
      set({ compare: null, compareSelection: null });
      void deps.worker.request({ type: 'compare-close' }).result.catch(() => undefined);
    },

    selectDifference: (sel) => set({ compareSelection: sel }),

    async takeRightValues(key, fields) {
      const entries = fields.map((f) => entryFor(key, f));
      const refused = entries.find((e): e is string => typeof e === 'string');
      if (refused) return { status: 'refused', reason: refused, canForce: false, warnings: [] };
      if (!entries.length) return { status: 'failed', reason: 'No field selected' };
      const patch: PatchFile = { format: 'vmstate-explorer-patch', version: 1, edits: entries as PatchFile['edits'] };
      const name = `${fields.length === 1 ? `${key}/${fields[0].path}` : `${fields.length} fields of ${key}`} from ${get().compare?.name ?? 'the right file'}`;
      const outcome = await get().applyPatch(JSON.stringify(patch), name);
      if (outcome.status === 'applied') await again(get().compareIgnore);
      return outcome;
    },

    compareBytes: (offset, length) => deps.worker.request({ type: 'compare-bytes', offset, length }).result.then((r) => r.bytes),
    leftBytes: (offset, length) => deps.worker.request({ type: 'bytes', generation: get().file?.generation ?? 0, offset, length }).result.then((r) => r.bytes),
    compareRecord: (index) => deps.worker.request({ type: 'compare-record', index }).result,

    exportComparison() {
      const result: DiffResult | undefined = get().compare?.reply?.result;
      if (!result) return;
      const text = JSON.stringify(diffJson(result), null, 1);
      deps.saveBlob(new Blob([text], { type: 'application/json' }), `${baseName(result.left.name)}-vs-${baseName(result.right.name)}.diff.json`);
    },
  };
};

function baseName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
