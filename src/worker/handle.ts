// Turns one request into exactly one reply message, whatever happens while serving it.

import { CancelledError, DecodeError } from '../format/errors.ts';
import type { Replies, Request, WorkerError, WorkerEvent, WorkerMessage } from './protocol.ts';
import { RequestError, type EarlyModels, type Session } from './session.ts';

export type Post = (msg: WorkerMessage, transfer?: Transferable[]) => void;

/** Progress events at most this often: enough for a smooth bar, cheap for the page. */
const PROGRESS_INTERVAL_MS = 50;

function progressSender(id: number, post: Post): (scanned: number, total: number, produced?: number) => void {
  let last = 0;
  return (scanned, total, produced) => {
    const now = Date.now();
    if (scanned < total && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    const event: WorkerEvent = produced === undefined ? { type: 'progress', id, scanned, total } : { type: 'progress', id, scanned, total, produced };
    post({ kind: 'event', event });
  };
}

/** A buffer can be transferred only if the view owns all of it; otherwise send a copy. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : bytes.slice();
}

async function serve(session: Session, id: number, req: Request, post: Post): Promise<{ value: Replies[Request['type']]; transfer: Transferable[] }> {
  switch (req.type) {
    case 'open': {
      const early: EarlyModels = {
        devices: (p) => post({ kind: 'event', event: p.ok ? { type: 'devices', id, ok: true, generation: p.generation, model: p.model } : { type: 'devices', id, ok: false, reason: p.reason } }),
        outline: (model, generation) => post({ kind: 'event', event: { type: 'outline', id, generation, model } }),
        container: (container) => post({ kind: 'event', event: { type: 'container', id, container } }),
      };
      return { value: await session.open(id, req.file, req.name, progressSender(id, post), early, req.snapshot), transfer: [] };
    }
    case 'describe':
      return { value: await session.describe(id, req.file, req.name, progressSender(id, post)), transfer: [] };
    case 'cancel':
      return { value: { cancelled: session.cancel(req.target) }, transfer: [] };
    case 'drawn':
      return { value: { resumed: session.drawn(req.target) }, transfer: [] };
    case 'bytes': {
      const bytes = ownBuffer(await session.bytes(req.generation, req.offset, req.length));
      return { value: { offset: req.offset, bytes }, transfer: [bytes.buffer] };
    }
    case 'ram-picture': {
      const pic = session.ramPicture(req.generation, req.block, req.cells);
      return { value: pic, transfer: [pic.cells.buffer] };
    }
    case 'ram-export': {
      const { blob, notes } = await session.ramExport(req.generation, req.block);
      return { value: { block: req.block, blob, notes }, transfer: [] };
    }
    case 'add-channels':
      return { value: await session.addChannels(id, req.generation, req.files, req.refused ?? [], progressSender(id, post)), transfer: [] };
    case 'ram-page': {
      const page = await session.ramPage(req.generation, req.block, req.page);
      const bytes = page.bytes && ownBuffer(page.bytes);
      return { value: { ...page, bytes }, transfer: bytes ? [bytes.buffer] : [] };
    }
    case 'multifd-records':
      return { value: { channel: req.channel, ...session.multifd.records(req.channel, req.start, req.count) }, transfer: [] };
    case 'edit':
      return { value: await session.edit(req.generation, req.edit, req.force, progressSender(id, post)), transfer: [] };
    case 'undo':
      return { value: await session.undo(req.generation, progressSender(id, post)), transfer: [] };
    case 'redo':
      return { value: await session.redo(req.generation, progressSender(id, post)), transfer: [] };
    case 'export-patch':
      return { value: session.exportPatch(req.generation), transfer: [] };
    case 'download':
      return { value: await session.download(req.generation, progressSender(id, post), req.compressed), transfer: [] };
    case 'compat':
      return { value: await session.compat(id, req.generation, req.target, progressSender(id, post)), transfer: [] };
    case 'candidates':
      return { value: { record: req.record, options: await session.candidates(req.generation, req.record) }, transfer: [] };
    case 'use-candidate':
      return { value: await session.useCandidate(req.generation, req.record, req.candidate), transfer: [] };
    case 'compare':
      return { value: await session.compare.compare(id, req.generation, req.file, req.name, req.ignore, (event) => post({ kind: 'event', event })), transfer: [] };
    case 'recompare':
      return { value: await session.compare.recompare(req.generation, req.ignore), transfer: [] };
    case 'compare-bytes': {
      const bytes = ownBuffer(await session.compare.bytes(req.offset, req.length));
      return { value: { offset: req.offset, bytes }, transfer: [bytes.buffer] };
    }
    case 'compare-record':
      return { value: session.compare.record(req.index), transfer: [] };
    case 'compare-close':
      return { value: { closed: session.compare.close() }, transfer: [] };
    default:
      throw new RequestError('bad-request', `Unknown request type ${(req as { type: unknown }).type}`);
  }
}

export function toWorkerError(e: unknown): WorkerError {
  if (e instanceof CancelledError) return { code: 'cancelled', message: 'Cancelled' };
  if (e instanceof RequestError) return { code: e.code, message: e.message };
  if (e instanceof DecodeError) return { code: 'failed', message: e.message };
  return { code: 'failed', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

export async function handle(session: Session, id: number, req: Request, post: Post): Promise<void> {
  let reply: { value: Replies[Request['type']]; transfer: Transferable[] };
  try {
    reply = await serve(session, id, req, post);
  } catch (e) {
    post({ kind: 'reply', id, ok: false, error: toWorkerError(e) });
    return;
  }
  try {
    post({ kind: 'reply', id, ok: true, value: reply.value }, reply.transfer);
  } catch (e) {
    // e.g. DataCloneError: the value could not be sent, so the error is the one answer.
    post({ kind: 'reply', id, ok: false, error: toWorkerError(e) });
  }
}
