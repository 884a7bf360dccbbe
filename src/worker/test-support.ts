// Test support: sends one request through the worker's handler in-process and returns its reply.
import { memorySource } from '../format/byte-source.ts';
import { scanStream, type ScanResult } from '../format/scan.ts';
import { handle } from './handle.ts';
import { libraryFor } from './library-fetch.ts';
import type { EditReply, OpenedFile, Replies, Request } from './protocol.ts';
import type { Session } from './session.ts';

export async function ask<T extends keyof Replies>(s: Session, request: Request & { type: T }): Promise<Replies[T]> {
  let value: unknown;
  await handle(s, 1, request, (m) => {
    if (m.kind !== 'reply') return;
    if (!m.ok) throw new Error(m.error.message);
    value = m.value;
  });
  return value as Replies[T];
}

/** The edited file a download request returns, as bytes; a refused download throws its reasons. */
export async function downloadBytes(s: Session, f: OpenedFile): Promise<Uint8Array> {
  const r = await ask(s, { type: 'download', generation: f.generation });
  if (!r.ok) throw new Error(r.reasons.join('; '));
  return new Uint8Array(await r.blob.arrayBuffer());
}

/** The file after an edit that must have applied; anything else throws with the reply. */
export function appliedFile(r: EditReply): OpenedFile {
  if (r.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(r)}`);
  return r.file;
}

/** `bytes` decoded as a bare stream with the libraries the worker would pick for them. */
export async function scanLikeWorker(bytes: Uint8Array): Promise<ScanResult> {
  const source = memorySource(bytes);
  return scanStream(source, { library: await libraryFor(source) });
}
