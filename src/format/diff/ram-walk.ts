// A scanned stream's page records walked again through its RAM index (ram.ts), in file order,
// each handed to a RamPageSink as the scanner would hand it: the page hashes of a file scanned
// before (ram-hash.ts hashRam), and the open file's side of the worker's lockstep comparison
// (ram-lockstep.ts), whose right side is being scanned meanwhile. Read with a WindowReader (two
// reused slices), so a 4 GiB stream is never held.

import type { ByteSource } from '../byte-source.ts';
import { CancelledError } from '../errors.ts';
import { PageKind, RAM_FLAG, type RamBlockIndex, type RamPageSink, type RamState } from '../ram.ts';
import { WindowReader } from '../window-reader.ts';

/** Longest record header: be64 address|flags, counted block name (ram.c save_page_header). */
const MAX_HEADER = 8 + 1 + 255;
const NO_BYTES = new Uint8Array(0);

export interface WalkOptions {
  signal?: AbortSignal;
  /** Data pages walked so far, of all of them. */
  onProgress?: (done: number, total: number) => void;
}

/** Every record the index holds (one cut short misses some: RamBlockIndex.truncatedIndex). */
export async function walkRecords(source: ByteSource, ram: RamState, sink: RamPageSink, opts: WalkOptions = {}): Promise<void> {
  const ps = ram.pageSize;
  const runs: { block: RamBlockIndex; first: number; count: number; kind: PageKind; offset: number; stride: number }[] = [];
  for (const block of ram.blocks.values()) block.forEachRun((first, count, kind, offset, stride) => runs.push({ block, first, count, kind, offset, stride }));
  // Runs are appended in file order by the scanner; sorting keeps "last record wins" for
  // mapped-ram files too, whose bitmaps are indexed after the stream moved on.
  runs.sort((x, y) => x.offset - y.offset);
  const total = runs.reduce((n, r) => n + (r.kind === PageKind.Data ? r.count : 0), 0);
  const reader = new WindowReader(source);
  let done = 0;
  for (const r of runs) {
    if (r.kind !== PageKind.Data) {
      for (let i = 0; i < r.count; i++) sink(r.block, r.first + i, r.kind, NO_BYTES, 0, ps);
      continue;
    }
    for (let i = 0; i < r.count; i++) {
      const at = r.offset + i * r.stride;
      const win = await reader.at(at, Math.min(MAX_HEADER + ps, source.size - at));
      const rel = at - win.base;
      const bytes = win.bytes;
      // mapped-ram indexes the page bytes themselves (ram.ts indexMappedBitmap).
      const header = r.block.direct ? 0 : 8 + ((bytes[rel + 7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + bytes[rel + 8]);
      if (rel + header + ps > bytes.length) throw new Error(`RAM page record at ${at} is cut off by the end of the file`);
      sink(r.block, r.first + i, PageKind.Data, bytes, rel + header, ps);
      if ((++done & 0x3ff) === 0) {
        if (opts.signal?.aborted) throw new CancelledError();
        opts.onProgress?.(done, total);
      }
    }
  }
  opts.onProgress?.(total, total);
}
