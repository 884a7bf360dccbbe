// The worker's state: the open file (a Blob, read in slices), its model and RAM index, and the
// description in use. Kept free of `self`/postMessage so it runs under Node in unit tests.

import { blobSource, type ByteSource } from '../format/byte-source.ts';
import { CancelledError } from '../format/errors.ts';
import { bundledLibrary } from '../format/library.ts';
import { scanStream, type ScanResult } from '../format/scan.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import type { OpenedFile } from './protocol.ts';
import { ramBlockBlob } from './ram-export.ts';
import { ramPicture, type RamPicture } from './ram-picture.ts';

export type Progress = (scanned: number, total: number) => void;

/** An error the protocol reports with a code other than 'failed'. */
export class RequestError extends Error {
  constructor(readonly code: 'no-file' | 'stale' | 'bad-request', message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

interface Current {
  generation: number;
  name: string;
  file: Blob;
  scan: ScanResult;
  description?: { name: string; vmdesc: Vmdesc };
}

/** Larger byte requests are refused: the hex view asks for pages, never for the file. */
export const MAX_BYTES_REQUEST = 16 * 1024 * 1024;

export class Session {
  private current: Current | null = null;
  private generation = 0;
  /** At most one scan runs; a newer open or describe aborts the older one. */
  private running: { id: number; abort: AbortController } | null = null;

  /**
   * Every read of the current file's bytes goes through here, so that the edits issue can serve
   * the patched file (a piece table over the original) without touching the readers.
   */
  readSource(): ByteSource {
    if (!this.current) throw new RequestError('no-file', 'No file is open');
    return blobSource(this.current.file);
  }

  async open(id: number, file: Blob, name: string, progress: Progress): Promise<OpenedFile> {
    const scan = await this.scan(id, blobSource(file), undefined, progress);
    this.current = { generation: ++this.generation, name, file, scan };
    return this.opened();
  }

  async describe(id: number, descFile: Blob, descName: string, progress: Progress): Promise<OpenedFile> {
    const cur = this.need();
    const vmdesc = await loadDescription(blobSource(descFile));
    const scan = await this.scan(id, blobSource(cur.file), vmdesc, progress);
    // The bytes are unchanged, so the generation stays: cached pages remain valid.
    this.current = { ...cur, scan, description: { name: descName, vmdesc } };
    return this.opened();
  }

  cancel(target: number): boolean {
    if (this.running?.id !== target) return false;
    this.running.abort.abort();
    return true;
  }

  async bytes(generation: number, offset: number, length: number): Promise<Uint8Array> {
    this.check(generation);
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && length <= MAX_BYTES_REQUEST)) {
      throw new RequestError('bad-request', `bytes: offset ${offset} and length ${length} must be integers, length at most ${MAX_BYTES_REQUEST}`);
    }
    return this.readSource().read(offset, length);
  }

  ramPicture(generation: number, block: string, cells: number): RamPicture {
    const cur = this.check(generation);
    return ramPicture(this.block(cur, block), cur.scan.ram.pageSize, cells);
  }

  async ramExport(generation: number, block: string): Promise<{ blob: Blob; notes: string[] }> {
    const cur = this.check(generation);
    return ramBlockBlob(cur.file, this.readSource(), this.block(cur, block), cur.scan.ram.pageSize);
  }

  private block(cur: Current, name: string) {
    const b = cur.scan.ram.blocks.get(name);
    if (!b) throw new RequestError('bad-request', `No RAM block named "${name}"`);
    return b;
  }

  private async scan(id: number, source: ByteSource, vmdesc: Vmdesc | undefined, progress: Progress): Promise<ScanResult> {
    this.running?.abort.abort();
    const abort = new AbortController();
    this.running = { id, abort };
    let result: ScanResult;
    try {
      result = await scanStream(source, { vmdesc, library: bundledLibrary(), signal: abort.signal, onProgress: progress });
    } finally {
      if (this.running?.id === id) this.running = null;
    }
    // Aborted after the scanner's last check: the caller asked to drop it, so it is still cancelled.
    if (abort.signal.aborted) throw new CancelledError();
    return result;
  }

  private opened(): OpenedFile {
    const cur = this.need();
    return { generation: cur.generation, name: cur.name, model: cur.scan.model, description: cur.description?.name };
  }

  private need(): Current {
    if (!this.current) throw new RequestError('no-file', 'No file is open');
    return this.current;
  }

  private check(generation: number): Current {
    const cur = this.need();
    if (cur.generation !== generation) throw new RequestError('stale', `File generation ${generation} was replaced by ${cur.generation}`);
    return cur;
  }
}
