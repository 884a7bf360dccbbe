// Guest RAM as the destination would hold it, planned from the page index (format.md §6): which
// file and offset holds each page's last write. The page's block download (worker/ram-export.ts,
// worker/multifd-channels.ts) and the CLI's `ram` command (cli/ram-command.ts) both read this.
// A plain stream is the merge of its own records with no channels (multifd-merge.ts): the last
// record of a page in stream order wins, as ram.c ram_load_precopy overwrites a page each time.

import type { ByteSource } from './byte-source.ts';
import { NOT_SENT, type MergedBlock } from './multifd-merge.ts';
import { PageKind, RAM_FLAG } from './ram.ts';

/** Longest RAM record header: be64 address|flags, counted block name (ram.c ram_save_page header). */
export const MAX_RECORD_HEADER = 8 + 1 + 255;
const WINDOW = 4 * 1024 * 1024;

/**
 * Where a RAM record's page bytes start, relative to the record at bytes[rel]: after the 8-byte
 * header, and the counted block name unless the record has CONTINUE. -1 if the header is not whole.
 */
export function recordHeaderLength(bytes: Uint8Array, rel: number): number {
  if (rel + 8 > bytes.length) return -1;
  if (bytes[rel + 7] & RAM_FLAG.CONTINUE) return 8;
  return rel + 9 > bytes.length ? -1 : 9 + bytes[rel + 8];
}

/** Where each data record's page bytes start (records sorted by offset), read in 4 MiB windows. */
export async function dataStarts(source: ByteSource, records: Float64Array): Promise<Float64Array> {
  const starts = new Float64Array(records.length);
  let i = 0;
  while (i < records.length) {
    const base = records[i];
    const bytes = await source.read(base, Math.min(WINDOW, source.size - base));
    const atEnd = base + bytes.length >= source.size;
    for (; i < records.length; i++) {
      const rel = records[i] - base;
      if (rel + MAX_RECORD_HEADER > bytes.length && !atEnd) break;
      const header = recordHeaderLength(bytes, rel);
      if (header < 0) throw new Error(`RAM record at ${records[i]} is cut off by the end of the file`);
      starts[i] = records[i] + header;
    }
  }
  return starts;
}

/** A block's pages by what their last write was. */
export interface BlockImageCounts {
  /** Pages whose bytes are written (data pages). */
  data: number;
  /** Pages whose last write was a zero page. */
  zero: number;
  /** XBZRLE or compressed pages: not decoded, zeros in the image. */
  notDecoded: number;
  /** Pages no record sent: the destination's RAM as allocated (zeros). */
  notSent: number;
}

export function blockImageCounts(b: MergedBlock): BlockImageCounts {
  const c: BlockImageCounts = { data: 0, zero: 0, notDecoded: 0, notSent: 0 };
  for (let p = 0; p < b.source.length; p++) {
    if (b.source[p] === NOT_SENT) c.notSent++;
    else if (b.kind[p] === PageKind.Data) c.data++;
    else if (b.kind[p] === PageKind.Zero) c.zero++;
    else c.notDecoded++;
  }
  return c;
}

/** The notes an image of blocks with these counts carries: what is in it that was not sent as bytes. */
export function imageNotes(name: string, c: BlockImageCounts): string[] {
  return c.notDecoded ? [`${name}: ${c.notDecoded} XBZRLE or compressed page(s) are not decoded and are left as zeros`] : [];
}

/** The data pages one source (MAIN_SOURCE or a channel) holds, sorted by their offset in it. */
export interface SourcePages {
  source: number;
  /** Per page: the record offset (main channel, not `direct`) or the page bytes' offset. */
  at: Float64Array;
  /** Per page: index of its block in the list given to sourcePages. */
  block: Uint32Array;
  page: Float64Array;
}

/**
 * Every data page of `blocks`, grouped by the file holding its last write and sorted by offset
 * there, so each file is read front to back once however the pages were ordered by number (a
 * page sent again late in a stream would otherwise send the reads back and forth).
 */
export function sourcePages(blocks: MergedBlock[]): SourcePages[] {
  const counts = new Map<number, number>();
  for (const b of blocks) {
    for (let p = 0; p < b.source.length; p++) if (b.source[p] !== NOT_SENT && b.kind[p] === PageKind.Data) counts.set(b.source[p], (counts.get(b.source[p]) ?? 0) + 1);
  }
  const out: SourcePages[] = [];
  for (const [source, n] of [...counts].sort((x, y) => x[0] - y[0])) {
    const at = new Float64Array(n);
    const block = new Uint32Array(n);
    const page = new Float64Array(n);
    let k = 0;
    let sorted = true;
    blocks.forEach((b, bi) => {
      for (let p = 0; p < b.source.length; p++) {
        if (b.source[p] !== source || b.kind[p] !== PageKind.Data) continue;
        at[k] = b.at[p];
        block[k] = bi;
        page[k] = p;
        if (k > 0 && at[k] < at[k - 1]) sorted = false;
        k++;
      }
    });
    if (sorted) {
      out.push({ source, at, block, page });
      continue;
    }
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((x, y) => at[x] - at[y]);
    out.push({ source, at: Float64Array.from(order, (i) => at[i]), block: Uint32Array.from(order, (i) => block[i]), page: Float64Array.from(order, (i) => page[i]) });
  }
  return out;
}
