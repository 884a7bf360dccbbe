// RAM of two streams compared while both are scanned, each file read once (issue #13: the whole
// comparison in at most 2.5x one scan; scanning both and then reading both again for the pages,
// ram-paired.ts, was ~4-5x). Each side hands its page records to this as the scanner decodes them
// (ScanOptions.ramPages), or as a walk of an index already built passes them (ram-walk.ts).
//
// The two record sequences are merged like two sorted lists. A record's key is (block, page):
// ram.c sends each pass through the dirty bitmap block by block, page by page upward. Records
// with the same key on both sides are a pair and their bytes are compared straight from the two
// scan windows; a record the other side has no counterpart for (a page one guest dirtied and the
// other did not, a pass one side made and the other not, another order altogether) is hashed on
// the spot (ram-hash.ts), the fallback, and the merge goes on from the next records. Pairs are
// made in file order on both sides, so where both sides' last records of a page were paired,
// they were paired with each other. Two saves of one guest pair almost every
// record. Only the last record of a page counts, on each side (ram.c ram_load_precopy
// overwrites); lockstep-result.ts turns what was seen into the difference.
//
// The side ahead keeps its records queued, pointing into its window, and its byte source holds
// back its next read (which would reuse that memory: window-reader.ts) until the other side has
// caught up with them, or has ended. Only one side has a queue at a time, so the side behind
// never waits.

import type { ByteSource } from '../byte-source.ts';
import { equalBytes } from '../bytes-equal.ts';
import { PageKind, type RamBlockIndex, type RamPageSink } from '../ram.ts';
import { PageHasher } from './ram-hash.ts';
import type { EqualBytes } from './ram-paired.ts';
import { RAM_DIFF_CELL } from './types.ts';
import { PairSpan } from './pair-span.ts';

/** What a side's last record of a page was: none yet, one of a pair, or hashed alone. */
export const SEEN = { none: 0, paired: 1, hashed: 2 } as const;

const NO_BYTES = new Uint8Array(0);
const PAGE_SPAN = 0x1_0000_0000;

/** Per block (by name): each side's SEEN per page and the last pair's RAM_DIFF_CELL. */
export interface PairedBlock {
  name: string;
  ordinal: number;
  seen: [Uint8Array, Uint8Array];
  cell: Uint8Array;
}

function grown(a: Uint8Array, n: number): Uint8Array {
  if (a.length >= n) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 1024));
  b.set(a);
  return b;
}

function isZero(b: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[at + i] !== 0) return false;
  return true;
}

/** One side: its queue of records waiting for a counterpart, its hashes, its read gate. */
export class LockstepSide {
  readonly hasher = new PageHasher();
  /** Records queued and records dealt with so far (both only grow). */
  private pushed = 0;
  private resolved = 0;
  private cap = 1024;
  private qKind = new Int8Array(this.cap);
  private qPage = new Float64Array(this.cap);
  private qPos = new Float64Array(this.cap);
  private qAt = new Float64Array(this.cap);
  private qBytes: Uint8Array[] = new Array(this.cap);
  private qBlock: RamBlockIndex[] = new Array(this.cap);
  private waiters: { upTo: number; go: () => void }[] = [];
  private lastBlock: RamBlockIndex | null = null;
  private last!: PairedBlock;
  /** Records hashed alone. */
  hashed = 0;
  pageSize = 0;
  other!: LockstepSide;
  ended = false;

  constructor(private readonly pair: RamLockstep, readonly index: 0 | 1) {}

  /** The scanner's (or walk's) sink for this side's records, in file order. */
  readonly sink: RamPageSink = (block, page, kind, bytes, dataAt, pageSize) => {
    if (this.pair.stopped) return;
    this.pageSize = pageSize;
    if (block !== this.lastBlock) ((this.lastBlock = block), (this.last = this.pair.block(block.name, Math.ceil(block.length / pageSize))));
    const pos = this.last.ordinal * PAGE_SPAN + page;
    const o = this.other;
    // The other side's queued records before this one have no counterpart here.
    while (o.pushed > o.resolved && o.qPos[o.resolved & (o.cap - 1)] < pos) o.hashHead();
    if (o.pushed > o.resolved) {
      const h = o.resolved & (o.cap - 1);
      if (o.qPos[h] === pos && o.pageSize === pageSize) {
        this.pair.compare(this.index, this.last, page, kind, bytes, dataAt, o.qKind[h] as PageKind, o.qBytes[h], o.qAt[h], pageSize);
        o.drop();
      } else this.hash(block, page, kind, bytes, dataAt, pageSize);
    } else if (o.ended) this.hash(block, page, kind, bytes, dataAt, pageSize);
    else this.push(block, page, kind, bytes, dataAt, pos);
  };

  /** `source` with each read held back until this side's queued records are dealt with. */
  gated(source: ByteSource): ByteSource {
    const g: ByteSource = {
      size: source.size,
      bytes: source.bytes,
      immediate: source.immediate,
      read: async (offset, length) => (await this.gate(), this.pair.span.flush(), source.read(offset, length)),
    };
    if (source.readInto) {
      const into = source.readInto.bind(source);
      (g as { readInto?: ByteSource['readInto'] }).readInto = async (offset, target) => (await this.gate(), this.pair.span.flush(), into(offset, target));
    }
    return g;
  }

  /** This side's records are all in: the other side's queued ones have no counterpart left. */
  end(): void {
    this.pair.span.flush();
    this.ended = true;
    const o = this.other;
    while (o.pushed > o.resolved) this.pair.stopped ? o.drop() : o.hashHead();
    o.wake();
  }

  private gate(): Promise<void> | void {
    if (this.resolved >= this.pushed || this.other.ended || this.pair.stopped) return;
    return new Promise((go) => this.waiters.push({ upTo: this.pushed, go }));
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const still = this.waiters.filter((w) => w.upTo > this.resolved && !this.other.ended && !this.pair.stopped);
    for (const w of this.waiters) if (!still.includes(w)) w.go();
    this.waiters = still;
  }

  private drop(): void {
    const h = this.resolved & (this.cap - 1);
    this.qBytes[h] = NO_BYTES; // the window may go
    this.resolved++;
    this.wake();
  }

  private hashHead(): void {
    const h = this.resolved & (this.cap - 1);
    this.hash(this.qBlock[h], this.qPage[h], this.qKind[h] as PageKind, this.qBytes[h], this.qAt[h], this.pageSize);
    this.drop();
  }

  private hash(block: RamBlockIndex, page: number, kind: PageKind, bytes: Uint8Array, dataAt: number, pageSize: number): void {
    this.hasher.sink(block, page, kind, bytes, dataAt, pageSize);
    this.pair.seen(this.index, this.pair.blocks.get(block.name)!, page, SEEN.hashed);
    this.hashed++;
  }

  private push(block: RamBlockIndex, page: number, kind: PageKind, bytes: Uint8Array, dataAt: number, pos: number): void {
    if (this.pushed - this.resolved === this.cap) this.grow();
    const t = this.pushed & (this.cap - 1);
    ((this.qKind[t] = kind), (this.qPage[t] = page), (this.qPos[t] = pos), (this.qAt[t] = dataAt));
    ((this.qBytes[t] = bytes), (this.qBlock[t] = block));
    this.pushed++;
  }

  /** Twice the room, the queued records kept in order (from index `resolved` on). */
  private grow(): void {
    const old = { cap: this.cap, kind: this.qKind, page: this.qPage, pos: this.qPos, at: this.qAt, bytes: this.qBytes, block: this.qBlock };
    this.cap *= 2;
    ((this.qKind = new Int8Array(this.cap)), (this.qPage = new Float64Array(this.cap)));
    ((this.qPos = new Float64Array(this.cap)), (this.qAt = new Float64Array(this.cap)), (this.qBytes = new Array(this.cap)), (this.qBlock = new Array(this.cap)));
    for (let i = this.resolved; i < this.pushed; i++) {
      const a = i & (old.cap - 1);
      const b = i & (this.cap - 1);
      ((this.qKind[b] = old.kind[a]), (this.qPage[b] = old.page[a]), (this.qPos[b] = old.pos[a]));
      ((this.qAt[b] = old.at[a]), (this.qBytes[b] = old.bytes[a]), (this.qBlock[b] = old.block[a]));
    }
  }
}

export class RamLockstep {
  readonly left: LockstepSide;
  readonly right: LockstepSide;
  readonly blocks = new Map<string, PairedBlock>();
  /** Records compared as pairs (the rest were hashed). */
  pairs = 0;
  /** Set when the comparison stops (an error on one side): sinks and gates do nothing more. */
  stopped = false;

  /** Paired data pages not compared yet, all of them in the two files' current windows. */
  readonly span: PairSpan;

  constructor(equal: EqualBytes = equalBytes) {
    this.span = new PairSpan(equal);
    this.left = new LockstepSide(this, 0);
    this.right = new LockstepSide(this, 1);
    this.left.other = this.right;
    this.right.other = this.left;
  }

  /** Blocks are numbered in the order either side first sends a page of them. */
  block(name: string, pages: number): PairedBlock {
    let b = this.blocks.get(name);
    if (!b) {
      b = { name, ordinal: this.blocks.size, seen: [new Uint8Array(pages), new Uint8Array(pages)], cell: new Uint8Array(pages) };
      this.blocks.set(name, b);
    }
    return b;
  }

  seen(side: 0 | 1, b: PairedBlock, page: number, how: number): void {
    const s = page < b.seen[side].length ? b.seen[side] : (b.seen[side] = grown(b.seen[side], page + 1));
    s[page] = how;
  }

  /** A pair: side `side`'s record (a) against the other side's queued one (b). */
  compare(side: 0 | 1, p: PairedBlock, page: number, ka: PageKind, a: Uint8Array, aAt: number, kb: PageKind, b: Uint8Array, bAt: number, ps: number): void {
    this.pairs++;
    this.seen(0, p, page, SEEN.paired);
    this.seen(1, p, page, SEEN.paired);
    if (ka === PageKind.Data && kb === PageKind.Data) {
      if (side === 0) this.span.add(p, page, a, aAt, b, bAt, ps);
      else this.span.add(p, page, b, bAt, a, aAt, ps);
      return;
    }
    this.span.flush(); // a later pair of one page must not be overwritten by an earlier one
    let cell: number;
    if (ka > PageKind.Data || kb > PageKind.Data) cell = RAM_DIFF_CELL.unknown;
    else if (ka === PageKind.Zero && kb === PageKind.Zero) cell = RAM_DIFF_CELL.same;
    else cell = (ka === PageKind.Data ? isZero(a, aAt, ps) : isZero(b, bAt, ps)) ? RAM_DIFF_CELL.same : RAM_DIFF_CELL.differ;
    if (page >= p.cell.length) p.cell = grown(p.cell, page + 1);
    p.cell[page] = cell;
  }

  /** Runs one side's producer (a scan or a walk over `side.gated(source)`) and ends the side however it ends. */
  async run<T>(side: LockstepSide, produce: () => Promise<T>): Promise<T> {
    try {
      return await produce();
    } catch (e) {
      this.stopped = true;
      throw e;
    } finally {
      side.end();
    }
  }
}
