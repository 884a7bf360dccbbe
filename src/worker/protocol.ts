// The one message protocol between the page and the scan worker. Every request gets exactly one
// reply (a value or an error); progress is an event, never a reply. Byte buffers and blobs travel
// as transferables or by reference, never as copies of the file.

import type { StreamModel } from '../format/model.ts';

export type Request =
  /** Scans a state file; on success it becomes the worker's current file. */
  | { type: 'open'; file: Blob; name: string }
  /** Loads a description (JSON, or a migration stream to take it from) and re-decodes the current file. */
  | { type: 'describe'; file: Blob; name: string }
  /** Aborts the scan started by request `target`; that request then fails with 'cancelled'. */
  | { type: 'cancel'; target: number }
  /** Bytes [offset, offset + length) of the current file, clipped at its end. */
  | { type: 'bytes'; generation: number; offset: number; length: number }
  /** One kind per cell for a RAM block's pages (RAM_CELL values). */
  | { type: 'ram-picture'; generation: number; block: string; cells: number }
  /** The RAM block as a raw image, built from slices of the file. */
  | { type: 'ram-export'; generation: number; block: string };

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

export interface OpenedFile {
  /** Increases with every successful open; byte requests name it so stale ones fail. */
  generation: number;
  name: string;
  model: StreamModel;
  /** Name of the supplied description in use, if any. */
  description?: string;
}

/** Page state in a RAM picture cell; a cell covering several pages shows the most telling one. */
export const RAM_CELL = { notSent: 0, zero: 1, data: 2, other: 3 } as const;

export interface Replies {
  open: OpenedFile;
  describe: OpenedFile;
  cancel: { cancelled: boolean };
  bytes: { offset: number; bytes: Uint8Array };
  'ram-picture': { block: string; pages: number; pagesPerCell: number; cells: Uint8Array };
  'ram-export': { block: string; blob: Blob; notes: string[] };
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

export type WorkerEvent = { type: 'progress'; id: number; scanned: number; total: number };

export type WorkerMessage =
  | { kind: 'reply'; id: number; ok: true; value: Replies[RequestType] }
  | { kind: 'reply'; id: number; ok: false; error: WorkerError }
  | { kind: 'event'; event: WorkerEvent };
