// The one message protocol between the page and the scan worker. Every request gets exactly one
// reply (a value or an error); progress and the devices-first model are events, never replies.
// Byte buffers and blobs travel as transferables or by reference, never as copies of the file.

import type { ContainerInfo } from '../format/container/types.ts';
import type { ByteRange } from '../format/byte-range.ts';
import type { ActionInfo } from '../format/edit/history.ts';
import type { EditRequest, Outcome } from '../format/edit/steps.ts';
import type { StreamModel } from '../format/model.ts';

// What a user asks to change (the worker plans it against the file as edited so far) and how an
// applied action is listed are the edit model's own types.
export type { ActionInfo, ByteRange, EditRequest };

export type Request =
  /** Scans a state file; on success it becomes the worker's current file. */
  | { type: 'open'; file: Blob; name: string }
  /** Loads a description (JSON, or a migration stream to take it from) and re-decodes the current file. */
  | { type: 'describe'; file: Blob; name: string }
  /** Aborts the scan started by request `target`; that request then fails with 'cancelled'. */
  | { type: 'cancel'; target: number }
  /** The page has painted open `target`'s outline: its full model may come. */
  | { type: 'drawn'; target: number }
  /** Bytes [offset, offset + length) of the current (edited) file, clipped at its end. */
  | { type: 'bytes'; generation: number; offset: number; length: number }
  /** One kind per cell for a RAM block's pages (RAM_CELL values). */
  | { type: 'ram-picture'; generation: number; block: string; cells: number }
  /** The RAM block as a raw image, built from slices of the file. */
  | { type: 'ram-export'; generation: number; block: string }
  /** One user action. `force` allows what the guards refuse unless forced, and accepts warnings. */
  | { type: 'edit'; generation: number; edit: EditRequest; force: boolean }
  | { type: 'undo'; generation: number }
  | { type: 'redo'; generation: number }
  /** The applied edits as a JSON patch (format/edit/patch.ts). */
  | { type: 'export-patch'; generation: number }
  /**
   * Decodes the edited file again, checks its framing against the original, returns it as a Blob.
   * A compressed container is re-compressed where the browser can ('keep') or written raw ('raw').
   */
  | { type: 'download'; generation: number; compressed?: 'keep' | 'raw' }
  /** Rewrites the container's own fields (libvirt: domain XML, was_running); null reverts them. */
  | { type: 'container-edit'; generation: number; change: { xml?: string; wasRunning?: boolean } | null };

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

export interface EditsInfo {
  done: ActionInfo[];
  /** Labels of the undone actions; redo takes the last. */
  undone: string[];
  /** Bytes that differ from the original file (after a revert a field is no longer listed). */
  changed: ByteRange[];
  /** Framing of the edited file against the original; null until the original's model is known. */
  framing: { ok: boolean; reasons: string[] } | null;
}

export interface OpenedFile {
  /** Increases with every successful open and every change of the edited bytes; byte requests name it so stale ones fail. */
  generation: number;
  name: string;
  model: StreamModel;
  /** Name of the supplied description in use, if any. */
  description?: string;
  edits: EditsInfo;
  /** Bytes whose content may differ from the previous generation (edit, undo, redo). */
  dirty?: ByteRange;
  /** Edits kept in this browser for this file and restored by open, or why they were not. */
  restored?: { count: number } | { dropped: string };
  /** Why the edits could not be kept in this browser (they still apply to this page). */
  storageError?: string;
  /** The container around the stream (libvirt save image), as edited; `model` is the stream's, in stream offsets. */
  container?: ContainerInfo;
  /** The container's own fields differ from the file's (not kept between visits, not in undo). */
  containerEdited?: boolean;
}

export type EditReply = { status: 'applied'; file: OpenedFile; warnings: string[] } | Exclude<Outcome, { status: 'applied' }>;

export type DownloadReply = { ok: true; blob: Blob; name: string; notes?: string[] } | { ok: false; reasons: string[] };

// The page states of a RAM picture live in the format core, so the views draw them without
// importing a value from the worker.
export { RAM_CELL } from '../format/ram.ts';

export interface Replies {
  open: OpenedFile;
  describe: OpenedFile;
  cancel: { cancelled: boolean };
  /** False when `target` was not waiting (already scanning, finished or unknown). */
  drawn: { resumed: boolean };
  bytes: { offset: number; bytes: Uint8Array };
  'ram-picture': { block: string; pages: number; pagesPerCell: number; cells: Uint8Array };
  'ram-export': { block: string; blob: Blob; notes: string[] };
  edit: EditReply;
  undo: OpenedFile;
  redo: OpenedFile;
  'export-patch': { text: string; edits: number };
  download: DownloadReply;
  'container-edit': OpenedFile;
}

export type ErrorCode = 'cancelled' | 'no-file' | 'stale' | 'bad-request' | 'failed';

export interface WorkerError {
  code: ErrorCode;
  message: string;
}

export interface RequestMessage {
  id: number;
  request: Request;
}

/**
 * The devices-first result of an open (issue #5): a preliminary model with the header, the
 * device sections and EOF, sent before the forward scan, or why it could not be made.
 */
export type DevicesFirstEvent =
  | { type: 'devices'; id: number; ok: true; generation: number; model: StreamModel }
  | { type: 'devices'; id: number; ok: false; reason: string };

/**
 * The scanned model without its field trees, sent just before an open's reply when the trees are
 * large: cloning tens of thousands of field nodes to the page takes longer than the scan of a
 * device-state file, and the section table needs none of them. The reply brings the trees.
 */
export type OutlineEvent = { type: 'outline'; id: number; generation: number; model: StreamModel };

/** Models an open shows before its reply. */
export type EarlyModelEvent = DevicesFirstEvent | OutlineEvent;

/** `produced`: while a compressed image is decompressed, the stream bytes so far (`scanned` counts compressed bytes read). */
export type WorkerEvent = { type: 'progress'; id: number; scanned: number; total: number; produced?: number } | EarlyModelEvent;

export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; value: Replies[RequestType] }
  | { kind: 'reply'; id: number; ok: false; error: WorkerError }
  | { kind: 'event'; event: WorkerEvent };
