// A RAM block as the raw image the destination would hold: data pages are slices of the file
// itself (a Blob of Blobs copies nothing), zero pages come from one shared zero Blob.

import type { ByteSource } from '../format/byte-source.ts';
import { PageKind, type RamBlockIndex } from '../format/ram.ts';
import { dataStarts } from '../format/ram-image.ts';
import { blockPages } from './ram-picture.ts';

const ZERO = -1;
const OTHER = -2;
const ZERO_CHUNK = 1024 * 1024;

/**
 * Record offset of the last record sent for each page (a later iteration overrides an earlier
 * one), or ZERO / OTHER / NaN (never sent).
 */
function lastRecordPerPage(block: RamBlockIndex, pages: number): Float64Array {
  const at = new Float64Array(pages).fill(NaN);
  block.forEachRun((first, count, kind, offset, stride) => {
    for (let i = 0; i < count; i++) {
      at[first + i] = kind === PageKind.Data ? offset + i * stride : kind === PageKind.Zero ? ZERO : OTHER;
    }
  });
  return at;
}

function find(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `file` must be the bytes `source` reads (slices are cut from it). Zero pages are zero-filled:
 * QEMU 7.2 always sends fill byte 0 (ram.c save_zero_page_to_file).
 */
export async function ramBlockBlob(file: Blob, source: ByteSource, block: RamBlockIndex, pageSize: number): Promise<{ blob: Blob; notes: string[] }> {
  const pages = blockPages(block, pageSize);
  const at = lastRecordPerPage(block, pages);
  const records = Float64Array.from(at.filter((v) => v >= 0)).sort();
  // mapped-ram and multifd blocks index the page bytes themselves.
  const starts = block.direct ? records : await dataStarts(source, records);
  const image = new RawImage();
  let notSent = 0;
  let other = 0;
  for (let p = 0; p < pages; p++) {
    const rec = at[p];
    if (rec >= 0) {
      image.page(file, starts[find(records, rec)], pageSize);
    } else {
      if (Number.isNaN(rec)) notSent++;
      else if (rec === OTHER) other++;
      image.zeros(pageSize);
    }
  }
  const notes: string[] = [];
  if (notSent) notes.push(`${notSent} page(s) never sent in this stream are zero-filled`);
  if (other) notes.push(`${other} XBZRLE or compressed page(s) are not decoded and are zero-filled`);
  const blob = image.blob(block.length);
  return { blob, notes };
}

/** A raw RAM image as a Blob of slices: page bytes cut from the files, zero runs from one shared zero Blob. */
export class RawImage {
  private readonly parts: Blob[] = [];
  private pending = 0;
  private readonly zero = new Blob([new Uint8Array(ZERO_CHUNK)]);

  page(file: Blob, start: number, size: number): void {
    this.flush();
    this.parts.push(file.slice(start, start + size));
  }

  zeros(n: number): void {
    this.pending += n;
  }

  /** The image, cut at `length` when that is known (> 0). */
  blob(length: number): Blob {
    this.flush();
    const blob = new Blob(this.parts, { type: 'application/octet-stream' });
    return length > 0 && blob.size > length ? blob.slice(0, length) : blob;
  }

  private flush(): void {
    for (; this.pending > 0; this.pending -= Math.min(this.pending, ZERO_CHUNK)) this.parts.push(this.zero.slice(0, Math.min(this.pending, ZERO_CHUNK)));
  }
}
