// The worker's open file (OpenFile; the page gets it described as an OpenedFile): the original
// Blob (never written), its edit history and the scan of the file as edited. Shared by the session (open, bytes, RAM) and the edit operations.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import type { ByteRange } from '../format/byte-range.ts';
import { changedRanges } from '../format/edit/changed-ranges.ts';
import { actionInfo, type History } from '../format/edit/history.ts';
import { editedSource } from '../format/edit/piece-table.ts';
import type { StreamModel } from '../format/model.ts';
import type { ScanResult } from '../format/scan.ts';
import type { Vmdesc } from '../format/vmdesc.ts';
import type { EditsInfo, OpenedFile } from './protocol.ts';
import { compareFraming } from '../format/verify.ts';
import type { ContainerState } from './container-state.ts';
import type { Choices } from './candidate-choices.ts';

/** `produced`: stream bytes decompressed so far, while a compressed image is decompressed. */
export type Progress = (scanned: number, total: number, produced?: number) => void;

/** An error the protocol reports with a code other than 'failed'. */
export class RequestError extends Error {
  constructor(readonly code: 'no-file' | 'stale' | 'bad-request', message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

export interface OpenFile {
  generation: number;
  /** The generation the file was opened with: edit requests naming any since then are for this file. */
  since: number;
  name: string;
  file: Blob;
  /** The storage key of the file's edits (file-key.ts); '' when edits are not kept. */
  key: string;
  history: History;
  /** The file as edited: a piece table over `file`, or `file` itself without edits. */
  source: ByteSource;
  /** The scan of `source`. */
  scan: ScanResult;
  /** The unedited file's model with the same description, once known (for compareFraming). */
  original: StreamModel | null;
  changed: ByteRange[];
  description?: { name: string; vmdesc: Vmdesc };
  /** The libvirt image around the stream `file` holds (container-state.ts). */
  container?: ContainerState;
  /** Library candidates chosen per section with "Other descriptions…" (candidate-choices.ts). */
  choices?: Choices;
  /** The candidates that read sections with the likely QEMU version's layouts (candidate-choices.ts forPerson). */
  picks?: Choices;
}

export async function makeOpenFile(base: Omit<OpenFile, 'source' | 'changed'>): Promise<OpenFile> {
  const original = blobSource(base.file);
  return { ...base, source: editedSource(original, base.history.done), changed: await changedRanges(original, base.history.done) };
}

export function editsInfo(cur: OpenFile): EditsInfo {
  return {
    done: cur.history.done.map(actionInfo),
    undone: cur.history.undone.map((a) => a.label),
    changed: cur.changed,
    framing: cur.original && cur.history.done.length ? compareFraming(cur.original, cur.scan.model) : null,
  };
}

export function openedFile(cur: OpenFile, extra: Partial<OpenedFile> = {}): OpenedFile {
  const container = cur.container ? { container: cur.container.info, containerEdited: cur.container.edited } : {};
  return { generation: cur.generation, name: cur.name, model: cur.scan.model, description: cur.description?.name, edits: editsInfo(cur), ...container, ...extra };
}
