// The one message protocol between the page and the scan worker. Every request gets exactly one
// reply (a value or an error); progress and the devices-first model are events, never replies.
// Byte buffers and blobs travel as transferables or by reference, never as copies of the file.

import type { HeaderChange } from '../format/edit-plan.ts';
import type { EditKind } from '../format/edits.ts';
import type { StreamModel, StreamRecord } from '../format/model.ts';
import type { DiffResult } from '../format/diff/types.ts';

/** What a user asks to change; the worker plans it against the file as edited so far. */
export type EditRequest =
  | { kind: 'field'; path: string; value: string }
  | { kind: 'header'; recordIndex: number; change: HeaderChange }
  /** Overwrites bytes.length bytes at offset (never inserts). */
  | { kind: 'raw'; offset: number; bytes: Uint8Array }
  /** A new action restoring the values action `id` replaced, planned against the current model. */
  | { kind: 'revert'; id: number }
  /** A JSON patch (format/patch.ts) applied as one action; all entries or none. */
  | { kind: 'patch'; text: string; name: string };

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
  /** The applied edits as a JSON patch (format/patch.ts). */
  | { type: 'export-patch'; generation: number }
  /** Decodes the edited file again, checks its framing against the original, returns it as a Blob. */
  | { type: 'download'; generation: number }
  /** Compares the open file (left) with `file` (right): devices, then RAM (issue #13). Cancellable. */
  | { type: 'compare'; generation: number; file: Blob; name: string; ignore: string[] }
  /** The last comparison's devices again, against the open file as it is now, with another ignore list. */
  | { type: 'recompare'; generation: number; ignore: string[] }
  /** The right file's bytes [offset, offset + length), or one of its records with its fields. */
  | { type: 'compare-bytes'; offset: number; length: number }
  | { type: 'compare-record'; index: number }
  /** Forgets the right file. */
  | { type: 'compare-close' };

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

/** Half-open byte range [from, to) of the edited file. */
export interface Span {
  from: number;
  to: number;
}

/** One applied user action as the page lists it; `parts` has one entry per field/header/raw change. */
export interface ActionInfo {
  id: number;
  label: string;
  parts: { kind: EditKind; path: string; before: string; after: string }[];
  warnings: string[];
}

export interface EditsInfo {
  done: ActionInfo[];
  /** Labels of the undone actions; redo takes the last. */
  undone: string[];
  /** Bytes that differ from the original file (after a revert a field is no longer listed). */
  changed: Span[];
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
  dirty?: Span;
  /** Edits kept in this browser for this file and restored by open, or why they were not. */
  restored?: { count: number } | { dropped: string };
  /** Why the edits could not be kept in this browser (they still apply to this page). */
  storageError?: string;
}

export type EditReply =
  | { status: 'applied'; file: OpenedFile; warnings: string[] }
  /** Allowed, but with warnings the user should see first: ask again with force. */
  | { status: 'confirm'; warnings: string[] }
  /** canForce: asking again with force would apply it, with `warnings`. */
  | { status: 'refused'; reason: string; canForce: boolean; warnings: string[] };

export type DownloadReply = { ok: true; blob: Blob; name: string } | { ok: false; reasons: string[] };

/** Page state in a RAM picture cell; a cell covering several pages shows the most telling one. */
export const RAM_CELL = { notSent: 0, zero: 1, data: 2, other: 3 } as const;

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
  compare: CompareReply;
  recompare: CompareReply;
  'compare-bytes': { offset: number; bytes: Uint8Array };
  'compare-record': StreamRecord;
  'compare-close': { closed: boolean };
}

/** A comparison: the right file's section table (no field trees: see compare-record). */
export interface CompareReply {
  result: DiffResult;
  right: { name: string; model: StreamModel };
  /** The open file's generation the devices were compared against. */
  leftGeneration: number;
  /** RAM compared against an earlier generation of the open file (edits since). */
  ramStale?: boolean;
}

/** A comparison's devices before its reply: from devices-first models, then from the full scan. */
export type CompareEvent =
  | ({ type: 'compare-devices'; id: number; stage: 'devices-first' | 'scanned' } & CompareReply)
  | { type: 'compare-progress'; id: number; phase: 'scan' | 'ram'; done: number; total: number };

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

export type WorkerEvent = { type: 'progress'; id: number; scanned: number; total: number } | EarlyModelEvent | CompareEvent;

export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; value: Replies[RequestType] }
  | { kind: 'reply'; id: number; ok: false; error: WorkerError }
  | { kind: 'event'; event: WorkerEvent };
