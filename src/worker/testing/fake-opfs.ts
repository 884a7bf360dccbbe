// For tests under Node, which has no Origin Private File System: a stand-in `navigator.storage`
// whose directory keeps one in-memory file per name, records which spill files were made and
// removed, and whose sync access handle stores at most `limit` bytes (a short write past it, as
// Chromium's at the quota). Callers undo it with vi.unstubAllGlobals().
import { vi } from 'vitest';

export interface FakeOpfs {
  /** The last file made: its bytes, size and the number of sync writes. */
  file: { bytes: Uint8Array; size: number; writes: number };
  created: string[];
  removed: string[];
}

export function fakeStorage(limit = Infinity): FakeOpfs {
  const fake: FakeOpfs = { file: { bytes: new Uint8Array(0), size: 0, writes: 0 }, created: [], removed: [] };
  const handleFor = () => {
    const file = (fake.file = { bytes: new Uint8Array(0), size: 0, writes: 0 });
    const sync = {
      write(b: Uint8Array, { at }: { at: number }) {
        file.writes++;
        const n = Math.max(0, Math.min(b.length, limit - at));
        if (at + n > file.bytes.length) {
          const grown = new Uint8Array(Math.max(2 * file.bytes.length, at + n));
          grown.set(file.bytes);
          file.bytes = grown;
        }
        file.bytes.set(b.subarray(0, n), at);
        file.size = Math.max(file.size, at + n);
        return n;
      },
      flush() {},
      close() {},
    };
    return { createSyncAccessHandle: async () => sync, getFile: async () => new Blob([file.bytes.slice(0, file.size)]) };
  };
  const root = {
    getFileHandle: async (name: string) => (fake.created.push(name), handleFor()),
    removeEntry: async (name: string) => void fake.removed.push(name),
  };
  vi.stubGlobal('navigator', { storage: { getDirectory: async () => root, estimate: async () => ({ quota: 1 << 30, usage: 0 }) } });
  return fake;
}
