// Where the worker keeps each file's edits between visits: IndexedDB in the browser (workers have
// it), a Map in tests. Records are structured clones, so splices keep their Uint8Arrays.

import type { UserAction } from '../format/edit/history.ts';

export interface SavedEdits {
  version: 1;
  name: string;
  savedAt: number;
  done: UserAction[];
  undone: UserAction[];
}

export interface EditStorage {
  load(key: string): Promise<SavedEdits | null>;
  /** Stores `saved` under `key`; null deletes it. Resolves once the write is durable. */
  save(key: string, saved: SavedEdits | null): Promise<void>;
  /** Optional: gets ready ahead of the first load (opens the database), so opening a file need not wait. */
  prepare?(): void;
}

export function memoryStorage(): EditStorage & { entries: Map<string, SavedEdits> } {
  const entries = new Map<string, SavedEdits>();
  return {
    entries,
    load: async (key) => (entries.has(key) ? structuredClone(entries.get(key)!) : null),
    save: async (key, saved) => void (saved ? entries.set(key, structuredClone(saved)) : entries.delete(key)),
  };
}

const DB_NAME = 'vmstate-explorer';
const STORE = 'edits';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** IndexedDB storage; the database opens on first use. */
export function indexedDbStorage(factory: IDBFactory = indexedDB): EditStorage {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = factory.open(DB_NAME, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    return db;
  };
  return {
    prepare: () => void open().catch(() => undefined),
    async load(key) {
      const d = await open();
      return ((await request(d.transaction(STORE).objectStore(STORE).get(key))) as SavedEdits | undefined) ?? null;
    },
    async save(key, saved) {
      const d = await open();
      const tx = d.transaction(STORE, 'readwrite', { durability: 'strict' });
      if (saved) tx.objectStore(STORE).put(saved, key);
      else tx.objectStore(STORE).delete(key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      });
    },
  };
}
