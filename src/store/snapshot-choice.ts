// Choosing which snapshot of a qcow2 image the explorer shows (issue 14): another snapshot is
// another open of the same image with that snapshot named, so the explorer shows its VM state
// exactly as it shows any migration stream. Refused with the reason when it cannot be carried
// out (disk-only, already open, an open or an edit running); with unsaved edits only after the
// person confirmed (those edits stay kept in this browser per VM state: edit-storage.ts, and come
// back when that snapshot is opened again).

import type { Qcow2Snapshot } from '../format/qcow2/index.ts';
import { verdict } from './action-guard.ts';
import type { ExplorerState, StoreDeps } from './types.ts';

/** How a snapshot is named in the page: `"name" (id N)`. */
export function snapshotLabel(s: Pick<Qcow2Snapshot, 'name' | 'id'>): string {
  return `"${s.name}" (id ${s.id})`;
}

/** Why a snapshot's VM state cannot be opened at all, or null. */
export function unopenable(s: Qcow2Snapshot): string | null {
  return s.vmStateSize === 0 ? `snapshot ${snapshotLabel(s)} is disk-only: it holds no VM state (it was taken without savevm, e.g. by qemu-img snapshot -c or blockdev-snapshot-internal-sync)` : null;
}

/** The open snapshot of the open image, if any. */
export function chosenSnapshot(s: Pick<ExplorerState, 'container'>): Qcow2Snapshot | null {
  const q = s.container?.qcow2;
  return q && q.chosen !== undefined ? (q.snapshots[q.chosen] ?? null) : null;
}

/** Opens snapshot `index` of the open image; resolves to the refusal's reason, or null once asked for. */
export async function chooseSnapshot(get: () => ExplorerState, set: (s: Partial<ExplorerState>) => void, deps: StoreDeps, index: number): Promise<string | null> {
  const s = get();
  const q = s.container?.qcow2;
  const blob = s.openedBlob;
  const snap = q?.snapshots[index];
  if (!q || !snap || !blob) return 'The open file is not a qcow2 image with that snapshot';
  const name = s.scan?.what === 'open' ? s.scan.name : (s.file?.name ?? '');
  const v = verdict(s, 'snapshot');
  if (v.do === 'refuse') return v.reason;
  const why = unopenable(snap);
  if (why) return why;
  if (q.chosen === index) return `Snapshot ${snapshotLabel(snap)} is already open`;
  const open = chosenSnapshot(s);
  if (s.hasUnsavedEdits()) {
    const n = s.edits.done.length;
    const ok = deps.confirm(
      `Open snapshot ${snapshotLabel(snap)} of ${name}? The ${n} edit${n === 1 ? '' : 's'} to snapshot ${open ? snapshotLabel(open) : ''} ${n === 1 ? 'is' : 'are'} not downloaded yet. ` +
        'This browser keeps them (unless it warned it cannot) and restores them when that snapshot is opened again.',
    );
    if (!ok) return `Kept snapshot ${open ? snapshotLabel(open) : ''} open with its unsaved edits (download them, or choose again to leave them)`;
  }
  set({ notice: null });
  // '#N': the N-th table entry, exactly (ids and names need not be unique in a damaged table).
  await get().openFile(blob, name, { snapshot: `#${index + 1}`, confirmed: true });
  return null;
}
