// Finding a file's edits from an earlier visit: hash it (file-key.ts), load what was kept under
// that key, and accept it only if every splice still matches the file's bytes.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { emptyHistory, restoreHistory, type History } from '../format/edit/history.ts';
import type { EditStorage } from './edit-storage.ts';
import { fileKey } from './file-key.ts';
import type { OpenedFile } from './protocol.ts';

export interface Restore {
  key: string;
  history: History;
  restored?: OpenedFile['restored'];
  storageError?: string;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** `containerFile`: the dropped file around the stream `file`, which kept container changes must fit. */
export async function restoreFor(file: Blob, name: string, storage: EditStorage | undefined, containerFile?: ByteSource): Promise<Restore> {
  if (!storage) return { key: '', history: emptyHistory() };
  let key: string;
  try {
    key = await fileKey(file);
  } catch (e) {
    return { key: '', history: emptyHistory(), storageError: `the file could not be hashed: ${message(e)}` };
  }
  let saved;
  try {
    saved = await storage.load(key);
  } catch (e) {
    return { key, history: emptyHistory(), storageError: message(e) };
  }
  if (!saved || saved.version !== 1 || !Array.isArray(saved.done) || !Array.isArray(saved.undone)) return { key, history: emptyHistory() };
  const history: History = { done: saved.done, undone: saved.undone };
  const check = await restoreHistory(blobSource(file), history, containerFile);
  if (!check.ok) return { key, history: emptyHistory(), restored: { dropped: `edits kept for ${saved.name} do not fit ${name}: ${check.reason}` } };
  return { key, history, restored: history.done.length ? { count: history.done.length } : undefined };
}
