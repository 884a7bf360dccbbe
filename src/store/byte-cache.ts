// The page's window on the file's bytes: fixed-size pages fetched from the worker on demand and
// kept in a small LRU, so scrolling a multi-GiB file never holds more than a few MiB.

import type { ByteRange } from '../format/byte-range.ts';

export type FetchBytes = (offset: number, length: number) => Promise<Uint8Array>;
/** Runs a callback soon, once: the next animation frame in the page. */
export type Schedule = (fn: () => void) => void;

export const PAGE_SIZE = 64 * 1024;
/** Pages asked of the worker at once for the hex view; the rest wait in `want`'s queue. */
const MAX_INFLIGHT = 4;

// Page arrivals re-render every view showing bytes: one re-render per frame, however many
// arrived in it. Outside a browser (tests, Node) a macrotask stands in for the frame.
const nextFrame: Schedule = typeof requestAnimationFrame === 'function' ? (fn) => void requestAnimationFrame(fn) : (fn) => void setTimeout(fn, 0);

export class ByteCache {
  /** Bumped when pages arrived (once per frame) or were dropped; views re-render on it. */
  version = 0;
  private readonly pages = new Map<number, Uint8Array>();
  private readonly inflight = new Set<number>();
  private readonly listeners = new Set<() => void>();
  /** Pages the hex view wants that are not asked for yet, in file order; each `want` replaces it. */
  private queue: number[] = [];
  private notifyScheduled = false;
  private disposed = false;
  /** Bumped by rebase: a page asked for before it may hold the old bytes and is dropped on arrival. */
  private epoch = 0;

  constructor(
    private bytesInFile: number,
    private fetch: FetchBytes,
    private readonly maxPages = 128,
    private readonly schedule: Schedule = nextFrame,
  ) {}

  get size(): number {
    return this.bytesInFile;
  }

  /**
   * The file was edited: later pages come from `fetch` (the new generation), and cached pages
   * overlapping `dirty` (everything when null) are dropped; the others still hold the right bytes.
   */
  rebase(size: number, fetch: FetchBytes, dirty: ByteRange | null): void {
    this.epoch++;
    this.inflight.clear();
    this.queue = [];
    this.fetch = fetch;
    // A change of size moves the end: the last page of the shorter file is partial.
    const to = size !== this.bytesInFile ? Infinity : (dirty?.to ?? Infinity);
    const from = size !== this.bytesInFile ? Math.min(dirty?.from ?? 0, Math.min(size, this.bytesInFile)) : (dirty?.from ?? 0);
    this.bytesInFile = size;
    this.invalidate(from, to);
  }

  /** The page holding `offset`, or undefined while it loads (a load is started). */
  pageAt(offset: number): Uint8Array | undefined {
    const page = this.peek(offset);
    if (!page) this.load(Math.floor(offset / PAGE_SIZE));
    return page;
  }

  /** The page holding `offset` if it is cached; never starts a load (see `want`). */
  peek(offset: number): Uint8Array | undefined {
    const p = Math.floor(offset / PAGE_SIZE);
    const page = this.pages.get(p);
    if (page) {
      // Map order is the LRU order: move to the back.
      this.pages.delete(p);
      this.pages.set(p, page);
    }
    return page;
  }

  /**
   * The pages covering [from, to) are what the view shows now: they load, at most MAX_INFLIGHT at
   * a time. Pages wanted by an earlier call and not yet asked for are forgotten, so a fast scroll
   * does not leave a trail of requests for rows nobody sees any more.
   */
  want(from: number, to: number): void {
    this.queue = [];
    const last = Math.floor((Math.min(to, this.size) - 1) / PAGE_SIZE);
    for (let p = Math.floor(Math.max(0, from) / PAGE_SIZE); p <= last; p++) {
      if (!this.pages.has(p) && !this.inflight.has(p)) this.queue.push(p);
    }
    this.pump();
  }

  byte(offset: number): number | undefined {
    if (offset < 0 || offset >= this.size) return undefined;
    const page = this.pageAt(offset);
    return page?.[offset - Math.floor(offset / PAGE_SIZE) * PAGE_SIZE];
  }

  /** Bytes [offset, offset+length) clipped to the file, or undefined until all are loaded. */
  read(offset: number, length: number): Uint8Array | undefined {
    const end = Math.min(this.size, offset + length);
    if (offset < 0 || offset >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    for (let at = offset; at < end; ) {
      const page = this.pageAt(at);
      if (!page) return undefined;
      const base = Math.floor(at / PAGE_SIZE) * PAGE_SIZE;
      const take = Math.min(end, base + page.length) - at;
      if (take <= 0) return undefined;
      out.set(page.subarray(at - base, at - base + take), at - offset);
      at += take;
    }
    return out;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  /** Drops cached pages overlapping [from, to): for edits that change bytes in place. */
  invalidate(from = 0, to = this.size): void {
    for (const p of [...this.pages.keys()]) {
      if (p * PAGE_SIZE < to && (p + 1) * PAGE_SIZE > from) this.pages.delete(p);
    }
    this.changed();
  }

  dispose(): void {
    this.disposed = true;
    this.pages.clear();
    this.listeners.clear();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inflight.size < MAX_INFLIGHT) this.load(this.queue.shift()!);
  }

  private load(p: number): void {
    if (this.inflight.has(p) || this.pages.has(p) || this.disposed) return;
    this.inflight.add(p);
    const epoch = this.epoch;
    this.fetch(p * PAGE_SIZE, Math.min(PAGE_SIZE, this.size - p * PAGE_SIZE)).then(
      (bytes) => {
        if (epoch !== this.epoch) return;
        this.inflight.delete(p);
        if (this.disposed) return;
        this.pages.set(p, bytes);
        while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
        this.pump();
        this.changedSoon();
      },
      // A stale generation or a worker failure: leave the page absent; it is asked for again later.
      () => {
        if (epoch !== this.epoch) return;
        this.inflight.delete(p);
        this.pump();
      },
    );
  }

  private changedSoon(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    this.schedule(() => {
      this.notifyScheduled = false;
      if (!this.disposed) this.changed();
    });
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
