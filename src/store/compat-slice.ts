// Issue #12 in the page: "Check against QEMU ..." (the worker runs the check on the open file and
// the report stays until another check or file), and which library candidate decodes a section
// (switching re-decodes it in the worker; the file, its generation and its edits stay as they are).

import type { CandidateOption, CompatReport } from '../worker/protocol.ts';
import { isCancelled } from '../worker/client.ts';
import { busyReason } from './action-guard.ts';
import { adopt } from './adopt.ts';
import type { Slice, StoreDeps } from './types.ts';

export interface CompatState {
  /** "10.0" or "10.0:pc-q35-10.0", as asked. */
  target: string;
  /** The file generation checked: an edit since makes the report stale. */
  generation: number;
  running: { id: number; step: number; total: number } | null;
  report: CompatReport | null;
  error: string | null;
}

export interface CompatSlice {
  compat: CompatState | null;
  /** Runs the check; refusals (during an open) and failures land in `compat.error`. */
  checkCompat(target: string): Promise<void>;
  cancelCompat(): void;
  /** The library candidates that fit section `index`; rejects with the reason. */
  sectionCandidates(index: number): Promise<CandidateOption[]>;
  /** Decodes section `index` with candidate `id`; resolves to the refusal's reason, or null. */
  chooseCandidate(index: number, id: number): Promise<string | null>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const createCompatSlice = (deps: StoreDeps): Slice<CompatSlice> => (set, get) => ({
  compat: null,
  async checkCompat(target) {
    const f = get().file;
    const refused = busyReason(get(), 'compat');
    if (refused || !f) {
      set({ compat: { target, generation: f?.generation ?? 0, running: null, report: null, error: refused ?? 'Open a file first' } });
      return;
    }
    const prev = get().compat?.running;
    if (prev) void deps.worker.cancel(prev.id);
    const pending = deps.worker.request({ type: 'compat', generation: f.generation, target }, {
      onProgress: (step, total) => {
        const c = get().compat;
        if (c?.running?.id === pending.id) set({ compat: { ...c, running: { id: pending.id, step, total } } });
      },
    });
    set({ compat: { target, generation: f.generation, running: { id: pending.id, step: 0, total: 3 }, report: null, error: null } });
    try {
      const report = await pending.result;
      if (get().compat?.running?.id === pending.id) set({ compat: { target, generation: f.generation, running: null, report, error: null } });
    } catch (e) {
      if (get().compat?.running?.id !== pending.id) return;
      set({ compat: { target, generation: f.generation, running: null, report: null, error: isCancelled(e) ? 'Check cancelled' : message(e) } });
    }
  },
  cancelCompat() {
    const running = get().compat?.running;
    if (running) void deps.worker.cancel(running.id);
  },
  async sectionCandidates(index) {
    const f = get().file;
    const refused = busyReason(get(), 'candidate');
    if (refused || !f) throw new Error(refused ?? 'Open a file first');
    return (await deps.worker.request({ type: 'candidates', generation: f.generation, record: index }).result).options;
  },
  async chooseCandidate(index, id) {
    const f = get().file;
    const refused = busyReason(get(), 'candidate');
    if (refused || !f) return refused ?? 'Open a file first';
    try {
      const opened = await deps.worker.request({ type: 'use-candidate', generation: f.generation, record: index, candidate: id }).result;
      adopt(get, set, deps, opened, 'describe');
      return null;
    } catch (e) {
      return message(e);
    }
  },
});
