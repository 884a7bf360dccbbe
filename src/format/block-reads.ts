// Small reads of a ByteSource served from blocks read once: what a container's headers and tables
// cost when every read is a round trip (a Blob read in a worker or on the page).

import type { ByteSource } from './byte-source.ts';

/** Small reads are served from blocks of this size, read once and aligned to it. */
const BLOCK = 64 * 1024;
/** Blocks kept per open at most (headers, snapshot table, L1 and L2 tables: a handful). */
const MAX_BLOCKS = 64;

/**
 * The container's small reads, served from 64 KiB blocks read once per open. Every Blob read in a
 * worker is a round trip to the browser's file thread (5-30 ms each on a busy machine), and the
 * snapshot list waits for the ones before it: the three sniffers each read the first bytes, the
 * qcow2 header follows, then each snapshot table entry in two reads (its fixed part, then its id
 * and name). With blocks the sniffers and the header are one read and the whole snapshot table
 * another (two snapshots: 9 round trips -> 2); the L1/L2 tables read again for the VM state's
 * Blob after the sniff (worker/container-open.ts) come from the same blocks. Reads over a block go straight to the file.
 */
export function blockReads(source: ByteSource): ByteSource {
  const blocks = new Map<number, Promise<Uint8Array>>();
  const block = (start: number) => {
    let r = blocks.get(start);
    if (!r) {
      r = source.read(start, Math.min(BLOCK, source.size - start));
      if (blocks.size >= MAX_BLOCKS) blocks.delete(blocks.keys().next().value!);
      blocks.set(start, r);
      r.catch(() => blocks.delete(start));
    }
    return r;
  };
  return {
    size: source.size,
    async read(offset, length) {
      const end = Math.min(source.size, offset + length);
      if (length > BLOCK || offset < 0 || end <= offset) return source.read(offset, length);
      const first = Math.floor(offset / BLOCK) * BLOCK;
      const last = Math.floor((end - 1) / BLOCK) * BLOCK;
      const [a, b] = await Promise.all([block(first), last === first ? null : block(last)]);
      if (!b) return a.subarray(offset - first, end - first);
      const out = new Uint8Array(end - offset);
      out.set(a.subarray(offset - first));
      out.set(b.subarray(0, end - last), first + a.length - offset);
      return out;
    },
  };
}
