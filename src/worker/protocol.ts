// The one message protocol between the page and the scan worker. Every request gets exactly one
// reply (a value or an error); progress and the devices-first model are events, never replies.
// Byte buffers and blobs travel as transferables or by reference, never as copies of the file.

import type { CandidateOption } from '../format/candidate-choice.ts';
import type { CompatReport } from '../format/compat/check.ts';
import type { ChannelRecordRow } from '../format/multifd-merge.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import type { ByteRange } from '../format/byte-range.ts';
import type { ActionInfo } from '../format/edit/history.ts';
import type { EditRequest, Outcome } from '../format/edit/steps.ts';
import type { DiffResult } from '../format/diff/types.ts';
import type { RamBlockInfo, StreamModel, StreamRecord } from '../format/model.ts';

// What a user asks to change (the worker plans it against the file as edited so far) and how an
// applied action is listed are the edit model's own types.
export type { ActionInfo, ByteRange, EditRequest };

export type Request =
  /**
   * Scans a state file; on success it becomes the worker's current file. `snapshot`: which of a
   * qcow2 image's snapshots to open (id, name or #N); by default the newest with a VM state.
   */
  | { type: 'open'; file: Blob; name: string; snapshot?: string }
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
  /**
   * Multifd channel files of the open main channel (format/multifd-merge.ts): scanned, checked and
   * joined; `refused`: files the page already turned away, reported with the others. Cancellable.
   */
  | { type: 'add-channels'; generation: number; files: { file: Blob; name: string }[]; refused?: { name: string; reason: string }[] }
  /** Where page `page` of a RAM block was last written (file, offset) and its bytes. */
  | { type: 'ram-page'; generation: number; block: string; page: number }
  /** Records start..start+count of joined multifd channel `channel` (its init record and packets). */
  | { type: 'multifd-records'; channel: number; start: number; count: number }
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
  /** Will the open file load into QEMU `target` ("10.0" or "10.0:MACHINE")? Cancellable; progress in steps. */
  | { type: 'compat'; generation: number; target: string }
  /** The library candidates that frame section `record` as it is framed now. */
  | { type: 'candidates'; generation: number; record: number }
  /** Decodes section `record` with candidate `candidate` (CandidateOption.id): a way of reading, not an edit. */
  | { type: 'use-candidate'; generation: number; record: number; candidate: number }
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
  /** The applied edits changed the container's own fields ('container' changes, in the edit history). */
  containerEdited?: boolean;
}

/** The multifd channel files joined to the open main channel, and those refused. */
export interface MultifdInfo {
  channels: { name: string; size: number; channelId: number; uuid: string; packets: number; complete: boolean; problems: string[] }[];
  /** Files not joined, each with the reason. */
  refused: { name: string; reason: string }[];
  /** The RAM blocks over main channel and channels together (each page counted once, by its last write). */
  blocks: RamBlockInfo[];
  /** Pages written more than once (the later write counts). */
  rewritten: number;
  notes: string[];
}

/** A RAM page's last write: its kind, the file it is in (null: never sent) and where. */
export interface RamPageInfo {
  block: string;
  page: number;
  guestOffset: number;
  pageSize: number;
  kind: 'data' | 'zero' | 'xbzrle' | 'compressed' | 'not sent';
  source: string | null;
  /** File offset of the page's bytes in `source` (data pages). */
  offset: number | null;
  /** File offset of the record or packet that wrote it. */
  record: number | null;
  packetNum?: number;
  bytes?: Uint8Array;
  /** Why the page's bytes are not editable here, when they are not. */
  readOnly?: string;
}

/** A row of a multifd channel's record list (format/multifd-merge.ts). */
export type MultifdRecordRow = ChannelRecordRow;

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
  'add-channels': MultifdInfo;
  'ram-page': RamPageInfo;
  'multifd-records': { channel: number; name: string; total: number; rows: MultifdRecordRow[] };
  edit: EditReply;
  undo: OpenedFile;
  redo: OpenedFile;
  'export-patch': { text: string; edits: number };
  download: DownloadReply;
  compat: CompatReport;
  candidates: { record: number; options: CandidateOption[] };
  'use-candidate': OpenedFile;
  compare: CompareReply;
  recompare: CompareReply;
  'compare-bytes': { offset: number; bytes: Uint8Array };
  'compare-record': StreamRecord;
  'compare-close': { closed: boolean };
}

export type { CandidateOption, CompatReport };

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

/**
 * The container's records as soon as they are read, before any scan (a qcow2 image's snapshot
 * list shows while its VM state is still being read).
 */
export type ContainerEvent = { type: 'container'; id: number; container: ContainerInfo };

/** Models an open shows before its reply. */
export type EarlyModelEvent = DevicesFirstEvent | OutlineEvent | ContainerEvent;

/** `produced`: while a compressed image is decompressed, the stream bytes so far (`scanned` counts compressed bytes read). */
export type WorkerEvent = { type: 'progress'; id: number; scanned: number; total: number; produced?: number } | EarlyModelEvent | CompareEvent;

export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; value: Replies[RequestType] }
  | { kind: 'reply'; id: number; ok: false; error: WorkerError }
  | { kind: 'event'; event: WorkerEvent };
