// The CLI's output files (extract, set, apply, --save-patch) appear only whole. Each is written
// into a hidden `.NAME.partial-*` beside it and linked to its name once complete, so a full disk,
// a read error or Ctrl+C mid-way leaves nothing behind: a half-written OUT would hold a broken
// image under the name the user asked for, and, never overwritten, block the next try.
import { existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeIfInterrupted } from './interrupt.ts';

/**
 * Names the output in a write error as the user gave it: a FileHandle's errors carry no path
 * ("ENOSPC: no space left on device, write"), and the hidden file's name means nothing to them.
 */
function named(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && err.code) err.path = path;
  return err;
}

/**
 * Runs `fill` on a new file and gives it the name `path` only when `fill` has succeeded; `path`
 * must not exist (link(2) refuses an existing name, so nothing made meanwhile is replaced).
 */
export async function writeNewFile<T>(path: string, fill: (write: (bytes: Uint8Array) => Promise<void>) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const fh = await open(tmp, 'wx').catch((e) => {
    throw named(e, path);
  });
  const done = removeIfInterrupted(tmp);
  try {
    let result: T;
    try {
      // write(2) may take part of a buffer (a disk filling up takes what fits, then fails): the
      // rest is written again until all of it is in or an error says why.
      result = await fill(async (bytes) => {
        for (let at = 0; at < bytes.length; ) {
          const { bytesWritten } = await fh.write(bytes, at, bytes.length - at).catch((e) => {
            throw named(e, path);
          });
          at += bytesWritten;
        }
      });
    } finally {
      await fh.close();
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      // A file system without hard links (vfat, some FUSE mounts): rename, after the same check.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' || existsSync(path)) throw new Error(`${path} already exists: the output is never overwritten; remove it or name another file`);
      try {
        renameSync(tmp, path);
      } catch (e) {
        throw named(e, path); // "OUT/: not a directory", not the hidden file's name
      }
    }
    return result;
  } finally {
    rmSync(tmp, { force: true });
    done();
  }
}

/** Writes bytes as a new file (a patch), complete or not at all. */
export const writeNewBytes = (path: string, bytes: Uint8Array) => writeNewFile(path, (write) => write(bytes));
