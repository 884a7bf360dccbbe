// Every action a person can take is carried out now, carried out once it can be (queued, with a
// note saying so), or refused with the reason shown where they asked: a disabled control's
// title, or the notice bar for a key. Nothing is dropped silently (issue #10). One place decides,
// so the toolbar, the editors, the keys and the store's own actions never disagree.

import type { ExplorerState, Slice } from './types.ts';

/**
 * Where the open file is. 'reading': an open runs and nothing of it is shown yet; 'devices': its
 * devices-first model is shown while the forward scan goes on; 'outline': its section table is
 * shown while the field trees are on their way; 'done': the open's final model is in.
 */
export type OpenPhase = 'none' | 'reading' | 'devices' | 'outline' | 'done';

export type UserAction = 'describe' | 'goto' | 'search' | 'edit' | 'apply-patch' | 'undo' | 'redo' | 'export-patch' | 'download' | 'ram' | 'compat' | 'candidate' | 'compare' | 'snapshot' | 'channels';

export type Verdict = { do: 'now' } | { do: 'later'; note: string } | { do: 'refuse'; reason: string };

export function openPhase(s: ExplorerState): OpenPhase {
  if (s.scan?.what === 'open') return s.partial || 'reading';
  return s.file ? 'done' : 'none';
}

/** What the actions that change the file are called in a refusal. */
const EDIT_NAMES: Partial<Record<UserAction, string>> = {
  edit: 'Editing',
  'apply-patch': 'Applying a patch',
  undo: 'Undo',
  redo: 'Redo',
  'export-patch': 'Exporting the edits',
  download: 'Downloading the edited file',
  // The worker's RAM index is the open's: it is there once the open is done.
  ram: 'Reading RAM pages',
  // Both read the worker's current file, which is the new one only once the open is done.
  compat: 'Checking compatibility',
  candidate: 'Choosing a description',
  // Another snapshot of a qcow2 image is another open of the same file: not while one runs.
  snapshot: 'Choosing another snapshot',
  // Channels join the worker's current file, which is the new one only once the open is done.
  channels: 'Adding multifd channels',
};

const NOW: Verdict = { do: 'now' };
const refuse = (reason: string): Verdict => ({ do: 'refuse', reason });

export function verdict(s: ExplorerState, action: UserAction): Verdict {
  const phase = openPhase(s);
  const opening = s.scan?.what === 'open' ? s.scan.name : '';
  switch (action) {
    case 'describe':
      if (phase === 'none') return refuse('Open a state file first: a description decodes the open file');
      // The worker describes its current file, which is the new one only once the open is done.
      return phase === 'done' ? NOW : { do: 'later', note: `applied once ${opening} has opened` };
    case 'goto':
      if (phase === 'none') return refuse('Open a file first');
      if (phase === 'reading') return refuse(`Go to is possible once the sections of ${opening} are shown`);
      return NOW;
    case 'compare':
      if (phase === 'none') return refuse('Open a state file first: the second file is compared with it');
      // The worker compares with its current file, which is the new one only once the open is done.
      if (phase !== 'done') return { do: 'later', note: `compared once ${opening} has opened` };
      // The comparison reads the open file as edited; an edit on its way would change it meanwhile.
      if (s.editBusy) return refuse(`Wait until "${s.editBusy.label}" is done`);
      return NOW;
    case 'search':
      if (phase === 'none' || phase === 'reading') return refuse('Open a file first');
      if (phase === 'outline') return { do: 'later', note: `The fields of ${opening} are still loading; matches follow when they arrive.` };
      if (phase === 'devices') return { do: 'later', note: `Only the device sections of ${opening} are read so far; more matches may follow.` };
      return NOW;
  }
  const name = EDIT_NAMES[action]!;
  if (phase === 'none') return refuse('Open a file first');
  // The first edit would be planned against a model that is not the file's final one, and the
  // worker has not made the new file current yet.
  if (phase !== 'done') return refuse(`${name} is possible once ${opening} has finished opening`);
  const { done, undone } = s.edits;
  if (action === 'undo' && done.length === 0 && !s.editBusy) return refuse('Nothing to undo');
  if (action === 'redo' && undone.length === 0 && !s.editBusy) return refuse('Nothing to redo');
  if (action === 'export-patch' && done.length === 0) return refuse('No edits to export');
  if ((action === 'download' || action === 'snapshot') && s.editBusy) return refuse(`Wait until "${s.editBusy.label}" is done`);
  return NOW;
}

/** Why `action` is refused now (a disabled control's title), or null if it is carried out or queued. */
export function busyReason(s: ExplorerState, action: UserAction): string | null {
  const v = verdict(s, action);
  return v.do === 'refuse' ? v.reason : null;
}

export interface GuardSlice {
  /**
   * For actions started by a key or a gesture with no control to disable: true if `action` can be
   * carried out (now or later); otherwise the reason goes to the notice bar and this is false.
   */
  allow(action: UserAction): boolean;
  /** A press on a control refused for a reason the view itself knows: the reason goes to the notice bar, as allow's do. */
  refuse(reason: string): void;
}

const sentence = (reason: string) => (/[.!?]$/.test(reason) ? reason : `${reason}.`);

export const createGuardSlice: Slice<GuardSlice> = (set, get) => ({
  allow(action) {
    const reason = busyReason(get(), action);
    if (reason) set({ notice: { tone: 'info', text: sentence(reason) } });
    return reason === null;
  },
  refuse(reason) {
    set({ notice: { tone: 'info', text: sentence(reason) } });
  },
});
