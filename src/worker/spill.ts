// The decompressed stream of a compressed image, written once front to back and then read at
// random: a file in the Origin Private File System (a sync access handle, which dedicated workers
// have), so the worker never holds it. Its room is the storage quota left (navigator.storage.
// estimate); a page without OPFS (or a unit test under Node) keeps the parts in a Blob, bounded.

export interface Spill {
  /** Bytes that may still be written. */
  readonly room: number;
  /** Synchronous, so a decoder's output is written before it makes more (the chunk is reused). */
  write(chunk: Uint8Array): void;
  /** The written bytes as a File/Blob to read from. */
  finish(): Promise<Blob>;
  remove(): Promise<void>;
}

/** Without OPFS the spill is a Blob of parts; past this it refuses (the inflate limit reports it). */
const MEMORY_ROOM = 512 * 1024 * 1024;

interface SyncHandle { write(b: Uint8Array, o: { at: number }): number; flush(): void; close(): void }
type OpfsFile = FileSystemFileHandle & { createSyncAccessHandle?(): Promise<SyncHandle> };

let counter = 0;

/** The storage quota ran out while writing the spill (QuotaExceededError, or a short write). */
export class SpillFull extends Error {
  constructor(readonly written: number) {
    super(`the storage quota: the browser refused to store more than ${written} bytes of the decompressed stream`);
  }
}

export async function openSpill(): Promise<Spill> {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (storage?.getDirectory) {
    try {
      const root = await storage.getDirectory();
      const name = `spill-${Date.now()}-${counter++}.bin`;
      const handle = (await root.getFileHandle(name, { create: true })) as OpfsFile;
      if (handle.createSyncAccessHandle) {
        const sync = await handle.createSyncAccessHandle();
        const { quota = 0, usage = 0 } = await storage.estimate();
        let at = 0;
        let open = true;
        const close = () => {
          if (open) sync.close();
          open = false;
        };
        return {
          room: Math.max(0, quota - usage - (64 << 20)),
          write: (chunk) => {
            const n = sync.write(chunk, { at });
            // A short write means the origin's quota is used up (Chromium writes what fits).
            if (n < chunk.length) throw new SpillFull(at + n);
            at += n;
          },
          finish: async () => {
            sync.flush();
            close();
            return handle.getFile();
          },
          remove: async () => {
            close();
            await root.removeEntry(name).catch(() => undefined);
          },
        };
      }
    } catch {
      // No OPFS here (a private window, an old browser): fall back to the bounded Blob below.
    }
  }
  const parts: Uint8Array<ArrayBuffer>[] = [];
  return {
    room: MEMORY_ROOM,
    write: (chunk) => void parts.push(chunk.slice()),
    finish: async () => new Blob(parts),
    remove: async () => void parts.splice(0),
  };
}
