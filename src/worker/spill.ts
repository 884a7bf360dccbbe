// The decompressed stream of a compressed image, written once front to back and then read at
// random: a file in the Origin Private File System (a sync access handle, which dedicated workers
// have), so the worker never holds it. Its room is the storage quota left (navigator.storage.
// estimate); a page without OPFS (or a unit test under Node) keeps the parts in a Blob, bounded.

export interface Spill {
  /** Bytes that may still be written. */
  readonly room: number;
  /**
   * Synchronous, so a decoder's output is taken before it makes more (the chunk is reused):
   * copied into a batch of BATCH bytes, written when full.
   */
  write(chunk: Uint8Array): void;
  /** Writes the partial batch (before `finish`; inflate's `finish` hook). */
  flush(): void;
  /** The written bytes as a File/Blob to read from. */
  finish(): Promise<Blob>;
  remove(): Promise<void>;
}

/**
 * Bytes per OPFS write. Decoders emit small pieces (a zstd block is at most 128 KiB, the
 * browser's DecompressionStream hands out less), and each write of a sync access handle has a
 * fixed cost: in a private window's in-memory OPFS each is a round trip to the browser process,
 * and there the writes of unbatched pieces took most of a gzip image's open (npm run bench).
 */
const BATCH = 1 << 20;

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
      // Asked first, answered while the file is made (each is a round trip to the browser process).
      const estimate = storage.estimate();
      estimate.catch(() => undefined);
      const root = await storage.getDirectory();
      const name = `spill-${Date.now()}-${counter++}.bin`;
      const handle = (await root.getFileHandle(name, { create: true })) as OpfsFile;
      if (handle.createSyncAccessHandle) {
        const sync = await handle.createSyncAccessHandle();
        const { quota = 0, usage = 0 } = await estimate;
        let at = 0;
        let open = true;
        const close = () => {
          if (open) sync.close();
          open = false;
        };
        const batch = new Uint8Array(BATCH);
        let filled = 0;
        const put = (bytes: Uint8Array) => {
          const n = sync.write(bytes, { at });
          // A short write means the origin's quota is used up (Chromium writes what fits).
          if (n < bytes.length) throw new SpillFull(at + n);
          at += n;
        };
        const flush = () => {
          if (filled > 0) put(batch.subarray(0, filled));
          filled = 0;
        };
        return {
          room: Math.max(0, quota - usage - (64 << 20)),
          write: (chunk) => {
            // A piece as large as a batch goes as it is, after what is gathered.
            if (chunk.length >= BATCH) {
              flush();
              put(chunk);
              return;
            }
            if (filled + chunk.length > BATCH) flush();
            batch.set(chunk, filled);
            filled += chunk.length;
          },
          flush,
          finish: async () => {
            // After a stop (a corrupt block, the quota) the batch holds output decoded before it,
            // kept if it fits; the stop's problem is already reported.
            try {
              flush();
            } catch (e) {
              if (!(e instanceof SpillFull)) throw e;
            }
            // No sync.flush(): it makes the file durable (an fsync), which a spill removed at close
            // does not need, and it took ~45 ms after a 128 MiB gzip image's decoding (a CPU
            // profile of the worker); the file read after close has every write either way.
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
    flush: () => undefined,
    finish: async () => new Blob(parts),
    remove: async () => void parts.splice(0),
  };
}
