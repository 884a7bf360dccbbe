// Edits (issue #4): the worker holds the edit list and plans every action; this slice sends the
// user's actions, takes the new model and edit list from the replies, and tracks what has been
// downloaded. Refusals and warnings come back as values for the editor that asked.

import type { HeaderChange } from '../format/edit/plan.ts';
import type { EditReply, EditRequest, EditsInfo, OpenedFile } from '../worker/protocol.ts';
import { busyReason, type UserAction } from './action-guard.ts';
import { adopt, NO_EDITS } from './adopt.ts';
import type { Slice, StoreDeps } from './types.ts';

export type EditOutcome = Exclude<EditReply, { status: 'applied' }> | { status: 'applied'; warnings: string[] } | { status: 'failed'; reason: string };

export interface EditBusy {
  id: number;
  label: string;
  scanned: number;
  total: number;
}

export interface EditsSlice {
  edits: EditsInfo;
  /** The file's generation when it was last downloaded: later edits are unsaved. */
  savedGeneration: number | null;
  /** An edit, undo, redo or download the worker is working on (it decodes the file again). */
  editBusy: EditBusy | null;
  editField(path: string, value: string, force?: boolean): Promise<EditOutcome>;
  editHeader(recordIndex: number, change: HeaderChange, force?: boolean): Promise<EditOutcome>;
  editBytes(offset: number, bytes: Uint8Array, force?: boolean): Promise<EditOutcome>;
  /** One of the container's own fields ("libvirt/xml", "libvirt/was_running", "hvm CPU (0)/rax"): an ordinary edit, in undo and the kept edits. */
  editContainer(path: string, value: string, force?: boolean): Promise<EditOutcome>;
  revertEdit(id: number): Promise<EditOutcome>;
  applyPatch(text: string, name: string, force?: boolean): Promise<EditOutcome>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  /** Saves the edits as NAME.patch.json. */
  exportPatch(): Promise<void>;
  /** Checks the edited file's framing in the worker, then saves NAME-edited.EXT. */
  downloadEdited(): Promise<void>;
  hasUnsavedEdits(): boolean;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function baseName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export const createEditsSlice = (deps: StoreDeps): Slice<EditsSlice> => (set, get) => {
  /** The open file if `action` can be done now; otherwise null, and the reason in the notice bar. */
  const editable = (action: UserAction) => (get().allow(action) ? get().file : null);

  /** Sends a request that decodes the file again, showing its progress; null if the file changed meanwhile. */
  async function busy<T>(label: string, send: (onProgress: (s: number, t: number) => void) => { id: number; result: Promise<T> }): Promise<T | null> {
    const since = get().file?.since;
    const onProgress = (scanned: number, total: number) => {
      const b = get().editBusy;
      if (b?.id === pending.id) set({ editBusy: { ...b, scanned, total } });
    };
    const pending = send(onProgress);
    set({ editBusy: { id: pending.id, label, scanned: 0, total: get().file?.size ?? 0 } });
    try {
      const value = await pending.result;
      if (get().file?.since === since) return value;
      // The editor that asked may be gone with the file it edited: say it here.
      set({ notice: { tone: 'info', text: `${label} was abandoned: ${get().scan?.name ?? get().file?.name ?? 'another file'} was opened meanwhile.` } });
      return null;
    } finally {
      if (get().editBusy?.id === pending.id) set({ editBusy: null });
    }
  }

  function take(file: OpenedFile): void {
    adopt(get, set, deps, file, 'edit');
    if (file.storageError) set({ notice: { tone: 'warning', text: `Edits will not survive a reload: ${file.storageError}.` } });
  }

  async function edit(req: EditRequest, force: boolean, label: string): Promise<EditOutcome> {
    // The editor that asked shows the reason.
    const reason = busyReason(get(), req.kind === 'patch' ? 'apply-patch' : 'edit');
    const f = get().file;
    if (reason || !f) return { status: 'failed', reason: reason ?? 'No file is open' };
    try {
      const reply = await busy(label, (onProgress) => deps.worker.request({ type: 'edit', generation: f.generation, edit: req, force }, { onProgress }));
      if (!reply) return { status: 'failed', reason: 'Another file was opened meanwhile' };
      if (reply.status !== 'applied') return reply;
      take(reply.file);
      return { status: 'applied', warnings: reply.warnings };
    } catch (e) {
      return { status: 'failed', reason: message(e) };
    }
  }

  async function move(type: 'undo' | 'redo'): Promise<void> {
    const f = editable(type);
    if (!f) return;
    try {
      const file = await busy(type === 'undo' ? 'Undoing' : 'Redoing', (onProgress) => deps.worker.request({ type, generation: f.generation }, { onProgress }));
      // Asked while an edit was on its way that then did not apply: the worker had nothing to move.
      if (file && file.generation === get().file?.generation) set({ notice: { tone: 'info', text: `Nothing to ${type}.` } });
      if (file) take(file);
    } catch (e) {
      set({ notice: { tone: 'error', text: `Could not ${type}: ${message(e)}` } });
    }
  }

  return {
    edits: NO_EDITS,
    savedGeneration: null,
    editBusy: null,

    editField: (path, value, force = false) => edit({ kind: 'field', path, value }, force, `Setting ${path}`),
    editHeader: (recordIndex, change, force = false) => edit({ kind: 'header', section: { index: recordIndex }, change }, force, 'Editing the section header'),
    editBytes: (offset, bytes, force = false) => edit({ kind: 'raw', offset, bytes }, force, `Overwriting bytes at 0x${offset.toString(16)}`),
    editContainer: (path, value, force = false) => edit({ kind: 'container', path, value }, force, `Setting ${path}`),
    revertEdit: (id) => edit({ kind: 'revert', id }, false, 'Reverting'),
    applyPatch: (text, name, force = false) => edit({ kind: 'patch', text, name }, force, `Applying ${name}`),
    undo: () => move('undo'),
    redo: () => move('redo'),

    async exportPatch() {
      const f = editable('export-patch');
      if (!f) return;
      try {
        const { text } = await deps.worker.request({ type: 'export-patch', generation: f.generation }).result;
        deps.saveBlob(new Blob([text], { type: 'application/json' }), `${baseName(f.name)}.patch.json`);
      } catch (e) {
        set({ notice: { tone: 'error', text: `Could not export the edits: ${message(e)}` } });
      }
    },

    async downloadEdited() {
      const f = editable('download');
      if (!f) return;
      try {
        const compressed = get().container ? get().containerDownload : undefined;
        const reply = await busy('Checking the edited file', (onProgress) => deps.worker.request({ type: 'download', generation: f.generation, compressed }, { onProgress }));
        if (!reply) return;
        if (!reply.ok) {
          set({ notice: { tone: 'error', text: `Download blocked: the edited file would not frame like the original: ${reply.reasons.join('; ')}` } });
          return;
        }
        deps.saveBlob(reply.blob, reply.name);
        set({ savedGeneration: f.generation, ...(reply.notes?.length ? { notice: { tone: 'info', text: `Downloaded ${reply.name}: ${reply.notes.join('; ')}` } } : {}) });
      } catch (e) {
        set({ notice: { tone: 'error', text: `Could not download the edited file: ${message(e)}` } });
      }
    },

    hasUnsavedEdits: () => get().edits.done.length > 0 && get().savedGeneration !== get().file?.generation,
  };
};
