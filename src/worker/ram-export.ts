// A RAM block as the raw image the destination would hold (multifd-channels.ts exportBlob, for a
// plain stream and a multifd migration alike): data pages are slices of the files themselves (a
// Blob of Blobs copies nothing), zero pages come from one shared zero Blob.

const ZERO_CHUNK = 1024 * 1024;

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
