// One 64-bit hash per RAM page, read through the RAM index (ram.ts) in file order (ram-walk.ts),
// so a 4 GiB stream is never held, and a page's bytes are dropped as soon as they are hashed. Pages keep the last record sent for them (a later
// iteration resends dirty pages; ram.c ram_load_precopy overwrites), and a page never sent counts
// as zero, as on a fresh destination.

import { PageKind, type RamBlockIndex, type RamPageSink, type RamState } from '../ram.ts';
import type { ByteSource } from '../byte-source.ts';
import { walkRecords } from './ram-walk.ts';

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

/**
 * A 64-bit hash of a page's 32-bit words, our own because no npm hash takes a million 4 KiB pages
 * without a copy and an allocation per call. Four lanes take every fourth word (independent
 * chains the CPU runs side by side); each step, `x = imul(x ^ w, K); x ^= x >>> 15`, is a
 * bijection of the lane for a fixed word and of the word for a fixed lane, and so is each output
 * in each lane for fixed other lanes: pages that differ in one word (or in one lane's words
 * anywhere) always hash differently. Other changes collide with a chance of about 2^-64.
 */
export function hashWords(w: Int32Array, h1: Uint32Array, h2: Uint32Array, at: number): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  let c = 0x6a09e667 | 0;
  let d = 0x3c6ef372 | 0;
  const n = w.length & ~3;
  for (let i = 0; i < n; i += 4) {
    a = Math.imul(a ^ w[i], 0x5bd1e995);
    b = Math.imul(b ^ w[i + 1], 0x5bd1e995);
    c = Math.imul(c ^ w[i + 2], 0x5bd1e995);
    d = Math.imul(d ^ w[i + 3], 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 15;
    c ^= c >>> 15;
    d ^= d >>> 15;
  }
  h1[at] = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d) ^ Math.imul(d, 0x27d4eb2f);
  h2[at] = (Math.imul(a ^ ((c << 16) | (c >>> 16)), 0x165667b1) + Math.imul(b ^ ((d << 16) | (d >>> 16)), 0xd3a2646c | 1)) | 0;
}

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Page hashes built record by record, in file order: as the scanner decodes them (`sink`, passed
 * as ScanOptions.ramPages) or from the index afterwards (hashRam). A later record of a page
 * replaces an earlier one, as on the destination.
 */
export class PageHasher {
  private readonly blocks = new Map<string, PageHashes>();
  private scratch = new Uint8Array(0);
  private words = new Int32Array(0);
  private z1 = 0;
  private z2 = 0;
  /** Data pages hashed so far. */
  hashed = 0;

  /**
   * The page size may be learnt from the first record (a scan knows it only once under way).
   * Nothing is allocated or hashed before a page comes: a comparison of device-state files has
   * none, and hashing the zero page was 11 ms of it in a fresh worker (issue #13).
   */
  constructor(public pageSize = 4096) {}

  readonly sink: RamPageSink = (block, page, kind, bytes, dataAt, pageSize) => {
    if (pageSize !== this.pageSize || this.scratch.length === 0) this.setPageSize(pageSize);
    this.page(block, page, kind, bytes, dataAt);
  };

  private setPageSize(size: number): void {
    if (this.blocks.size) throw new Error(`RAM page size changed from ${this.pageSize} to ${size} after pages were hashed`);
    this.pageSize = size;
    this.scratch = new Uint8Array(size);
    this.words = new Int32Array(this.scratch.buffer);
    const a = new Uint32Array(1);
    const b = new Uint32Array(1);
    hashWords(this.words, a, b, 0);
    this.z1 = a[0];
    this.z2 = b[0];
  }

  page(block: RamBlockIndex, page: number, kind: PageKind, bytes?: Uint8Array, dataAt = 0): void {
    if (this.scratch.length === 0) this.setPageSize(this.pageSize);
    const h = this.room(block, page + 1);
    if (kind === PageKind.Data) {
      this.scratch.set(bytes!.subarray(dataAt, dataAt + this.pageSize));
      hashWords(this.words, h.h1, h.h2, page);
      h.state[page] = PAGE_STATE.data;
      this.hashed++;
      return;
    }
    h.h1[page] = this.z1;
    h.h2[page] = this.z2;
    h.state[page] = kind === PageKind.Zero ? PAGE_STATE.zero : PAGE_STATE.other;
  }

  /** Every block of `ram`, sized to its pages (never-sent pages hash as zero pages). */
  finish(ram: RamState): Map<string, PageHashes> {
    if (ram.pageSize !== this.pageSize || this.scratch.length === 0) this.setPageSize(ram.pageSize);
    const out = new Map<string, PageHashes>();
    for (const block of ram.blocks.values()) {
      let pages = Math.ceil(block.length / this.pageSize);
      block.forEachRun((first, count) => (pages = Math.max(pages, first + count)));
      const h = this.room(block, pages);
      out.set(block.name, { ...h, length: block.length, pages, state: h.state.subarray(0, pages), h1: h.h1.subarray(0, pages), h2: h.h2.subarray(0, pages) });
    }
    return out;
  }

  /** The block's arrays, grown (doubling) to hold `pages` pages. */
  private room(block: RamBlockIndex, pages: number): PageHashes {
    let h = this.blocks.get(block.name);
    if (h && h.state.length >= pages) return h;
    const size = Math.max(pages, Math.ceil(block.length / this.pageSize), (h?.state.length ?? 0) * 2, 64);
    const grown: PageHashes = { name: block.name, length: block.length, pages: size, state: new Uint8Array(size), h1: new Uint32Array(size).fill(this.z1), h2: new Uint32Array(size).fill(this.z2) };
    if (h) {
      grown.state.set(h.state);
      grown.h1.set(h.h1);
      grown.h2.set(h.h2);
    }
    this.blocks.set(block.name, (h = grown));
    return h;
  }
}

/** Hashes every page of every block of `ram`, the index built by scanning `source`, in one pass. */
export async function hashRam(source: ByteSource, ram: RamState, opts: HashOptions = {}): Promise<Map<string, PageHashes>> {
  const hasher = new PageHasher(ram.pageSize);
  await walkRecords(source, ram, hasher.sink, opts);
  return hasher.finish(ram);
}
