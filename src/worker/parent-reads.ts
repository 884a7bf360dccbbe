// The nested decompression worker's view of the file when the decode worker reads it
// (inflate-nested.ts InflateJob.parentReads): blocks of 4 MiB asked for one message each and
// served to inflate's 1 MiB reads as views, without a copy. Each message costs its sender ~0.3-0.4
// ms here (measured in the nested worker during a 128 MiB gzip open, load 10: 160 posts, 43-64
// ms), and asking 1 MiB at a time made 128 of them.
//
// inflate's reads (format/container/inflate.ts readAhead) come in order, two ahead of the chunk
// being decoded, and a chunk stays in use until the read two after it is asked for; so a block
// is free once a read starts two chunks past its end, and goes back with the next request. In
// flight: PARENT_AHEAD + 1 blocks (8 MiB), plus the two that may still be in use.

import type { ByteSource } from '../format/byte-source.ts';

/** Asks the file's bytes at `offset` into `buffer` (or a new one); resolves with the filled part. */
export type RequestBlock = (offset: number, length: number, buffer: ArrayBuffer | null) => Promise<Uint8Array>;

/** A multiple of inflate's 1 MiB reads, so a read never straddles two blocks. */
export const PARENT_BLOCK = 4 << 20;
/**
 * Blocks asked ahead of the one in use. Reading the 128 MiB file alone takes a worker 115-285 ms
 * (load 4), about what decoding it takes, so the reads should not pause: one block ahead, a block
 * took 17-24 ms from request to arrival (the decode worker's turn, the browser's data pipe) and
 * the nested worker found 63 of its 128 reads not yet there; three ahead, 17 of 128, but the
 * nested worker's decoding took no less wall time (load 3-5) and the decode worker's peak memory
 * in a private window rose from 42-46 MiB to 90 (npm run bench: 91 MiB with two ahead), near the
 * 100 MiB bound. So one ahead.
 */
export const PARENT_AHEAD = 1;

interface Block { start: number; end: number; bytes: Promise<Uint8Array> }

/** Blocks are asked up to `to` (the end of what inflate reads), one ahead of the block in use. */
export function parentSource(size: number, to: number, request: RequestBlock, block = PARENT_BLOCK, ahead = PARENT_AHEAD): ByteSource {
  const blocks: Block[] = [];
  const free: ArrayBuffer[] = [];
  const ask = (start: number): Block => {
    const length = Math.min(block, to - start);
    const b: Block = { start, end: start + length, bytes: request(start, length, free.pop() ?? null) };
    // A short answer (the file ends early) shortens the block; awaited by the reads that use it.
    b.bytes.then((got) => void (b.end = start + got.length), () => undefined);
    blocks.push(b);
    return b;
  };
  const readInto = async (offset: number, target: Uint8Array): Promise<Uint8Array> => {
    // Blocks that ended two chunks or more before this read are no longer in use.
    while (blocks.length > 0 && blocks[0].end <= offset - 2 * target.length) {
      const done = blocks.shift()!;
      done.bytes.then((got) => void free.push(got.buffer as ArrayBuffer), () => undefined);
    }
    let b = blocks.find((x) => x.start <= offset && offset < x.start + block);
    if (!b || offset >= to) {
      if (offset >= to) return target.subarray(0, 0);
      // Out of order (inflate's first read, or a restart): start again from here.
      blocks.length = 0;
      b = ask(offset);
    }
    // Blocks ahead, so the file's reads keep going while this one decodes.
    while (blocks.length - blocks.indexOf(b) <= ahead && blocks.at(-1)!.start + block < to) ask(blocks.at(-1)!.start + block);
    const got = await b.bytes;
    const at = offset - b.start;
    if (at >= got.length) return target.subarray(0, 0);
    return got.subarray(at, Math.min(got.length, at + target.length));
  };
  return {
    size,
    readInto,
    read: (offset, length) => readInto(offset, new Uint8Array(length)).then((v) => v.slice()),
  };
}
