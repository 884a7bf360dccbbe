// One 64-bit hash per RAM page, read through the RAM index (ram.ts) in file order with a
// WindowReader: two reused 8 MiB buffers, so a 4 GiB stream is never held, and a page's bytes
// are dropped as soon as they are hashed. Pages keep the last record sent for them (a later
// iteration resends dirty pages; ram.c ram_load_precopy overwrites), and a page never sent counts
// as zero, as on a fresh destination.

import { PageKind, RAM_FLAG, type RamBlockIndex, type RamState } from '../ram.ts';
import { WindowReader } from '../window-reader.ts';
import type { ByteSource } from '../byte-source.ts';
import { CancelledError } from '../errors.ts';

export const PAGE_STATE = { zero: 0, data: 1, other: 2 } as const;

export interface PageHashes {
  name: string;
  length: number;
  pages: number;
  /** PAGE_STATE per page (never sent counts as zero). */
  state: Uint8Array;
  h1: Uint32Array;
  h2: Uint32Array;
}

/** Longest record header: be64 address|flags, counted block name (ram.c save_page_header). */
const MAX_HEADER = 8 + 1 + 255;

/**
 * Two independent 32-bit lanes over the page's words; our own because no npm hash takes 4 KiB at
 * this rate without a copy per call (4 GiB = a million pages). Each step of a lane is a bijection
 * of its state for a fixed word and of the word for a fixed state (xor or add, then a multiply by
 * an odd constant), so pages that differ in one word always hash differently; two differing words
 * collide with a chance of about 2^-64.
 */
export function hashWords(w: Int32Array, h1: Uint32Array, h2: Uint32Array, at: number): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul((b + x) | 0, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h1[at] = a;
  h2[at] = b;
}

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

function newHashes(block: RamBlockIndex, pageSize: number, zero: [number, number]): PageHashes {
  let pages = Math.ceil(block.length / pageSize);
  block.forEachRun((first, count) => (pages = Math.max(pages, first + count)));
  const h1 = new Uint32Array(pages).fill(zero[0]);
  const h2 = new Uint32Array(pages).fill(zero[1]);
  return { name: block.name, length: block.length, pages, state: new Uint8Array(pages), h1, h2 };
}

/** Hashes every page of every block of `ram`, the index built by scanning `source`. */
export async function hashRam(source: ByteSource, ram: RamState, opts: HashOptions = {}): Promise<Map<string, PageHashes>> {
  const ps = ram.pageSize;
  const scratch = new Uint8Array(ps);
  const words = new Int32Array(scratch.buffer);
  const zh1 = new Uint32Array(1);
  const zh2 = new Uint32Array(1);
  hashWords(words, zh1, zh2, 0);
  const out = new Map<string, PageHashes>();
  const runs: { h: PageHashes; first: number; count: number; kind: PageKind; offset: number; stride: number }[] = [];
  for (const block of ram.blocks.values()) {
    const h = newHashes(block, ps, [zh1[0], zh2[0]]);
    out.set(block.name, h);
    block.forEachRun((first, count, kind, offset, stride) => runs.push({ h, first, count, kind, offset, stride }));
  }
  // Runs are appended in file order by the scanner; sorting keeps "last record wins" for
  // mapped-ram files too, whose bitmaps are indexed after the stream moved on.
  runs.sort((x, y) => x.offset - y.offset);
  const total = runs.reduce((n, r) => n + (r.kind === PageKind.Data ? r.count : 0), 0);
  const reader = new WindowReader(source);
  let done = 0;
  for (const r of runs) {
    const { h } = r;
    if (r.kind !== PageKind.Data) {
      const state = r.kind === PageKind.Zero ? PAGE_STATE.zero : PAGE_STATE.other;
      h.state.fill(state, r.first, r.first + r.count);
      h.h1.fill(zh1[0], r.first, r.first + r.count);
      h.h2.fill(zh2[0], r.first, r.first + r.count);
      continue;
    }
    for (let i = 0; i < r.count; i++) {
      const at = r.offset + i * r.stride;
      const win = await reader.at(at, Math.min(MAX_HEADER + ps, source.size - at));
      const rel = at - win.base;
      const bytes = win.bytes;
      // mapped-ram indexes the page bytes themselves (ram.ts indexMappedBitmap).
      const header = ram.mappedRam ? 0 : 8 + ((bytes[rel + 7] & RAM_FLAG.CONTINUE) !== 0 ? 0 : 1 + bytes[rel + 8]);
      if (rel + header + ps > bytes.length) throw new Error(`RAM page record at ${at} is cut off by the end of the file`);
      scratch.set(bytes.subarray(rel + header, rel + header + ps));
      const page = r.first + i;
      hashWords(words, h.h1, h.h2, page);
      h.state[page] = PAGE_STATE.data;
      if ((++done & 0x3ff) === 0) {
        if (opts.signal?.aborted) throw new CancelledError();
        opts.onProgress?.(done, total);
      }
    }
  }
  opts.onProgress?.(total, total);
  return out;
}
