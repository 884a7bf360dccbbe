// The multifd channel files opened beside the worker's main channel (format/multifd-merge.ts):
// scanned in slices, checked against the main channel, and combined into the page index the RAM
// picture, the page viewer and the guest-RAM export read. The channel files are only read.

import { blobSource } from '../format/byte-source.ts';
import { admitChannels, MAIN_SOURCE, mergedBlockInfo, mergedIndex, mergeMultifd, NOT_SENT, scanChannelFiles, type ChannelFile, type MergedBlock, type MergedRam, type Refusal } from '../format/multifd-merge.ts';
import { PageKind, type RamBlockIndex } from '../format/ram.ts';
import { blockImageCounts, dataStarts } from '../format/ram-image.ts';
import type { ScanResult } from '../format/scan.ts';
import type { MultifdInfo, MultifdRecordRow, RamPageInfo } from './protocol.ts';
import { RequestError, type Progress } from './open-file.ts';
import { RawImage } from './ram-export.ts';

interface Joined extends ChannelFile {
  file: Blob;
}

const KIND_NAME: Record<number, RamPageInfo['kind']> = { [PageKind.Zero]: 'zero', [PageKind.Data]: 'data', [PageKind.Xbzrle]: 'xbzrle', [PageKind.Compressed]: 'compressed' };

export class MultifdChannels {
  private joined: Joined[] = [];
  private refused: Refusal[] = [];
  /** The merge of the main channel's scan it was made from (an edit rescans the main channel). */
  private merged: { scan: ScanResult; ram: MergedRam } | null = null;

  get count(): number {
    return this.joined.length;
  }

  /** A new main channel: its channels are other files. */
  reset(): void {
    this.joined = [];
    this.refused = [];
    this.merged = null;
  }

  /**
   * Scans `files` as channels of the main channel `scan` and joins those that belong; the others
   * are refused with the reason (refusedBefore: ones the page already turned away).
   */
  async add(scan: ScanResult, files: { file: Blob; name: string }[], signal: AbortSignal, progress: Progress, refusedBefore: Refusal[] = []): Promise<MultifdInfo> {
    const main = scan.model;
    if (main.variant !== 'migration' || main.ramBlocks.length === 0) {
      throw new RequestError('bad-request', 'Multifd channels not added: the open file is not a migration stream announcing RAM blocks, so it has no multifd channels');
    }
    const scanned = await scanChannelFiles(files.map((f) => ({ ...f, source: blobSource(f.file) })), main.pageSize, { signal, onProgress: progress });
    const candidates: Joined[] = scanned.candidates.map((c) => ({ name: c.name, summary: c.summary, file: c.input.file }));
    const refused = [...refusedBefore, ...scanned.refused];
    const verdict = admitChannels(main, this.joined, candidates);
    this.joined.push(...(verdict.admitted as Joined[]));
    // Listed by channel id, whatever order they were picked in.
    this.joined.sort((a, b) => a.summary.identity!.channelId - b.summary.identity!.channelId);
    this.refused = [...refused, ...verdict.refused];
    this.merged = null;
    return this.info(scan);
  }

  info(scan: ScanResult): MultifdInfo {
    const m = this.merge(scan);
    return {
      channels: this.joined.map((c) => {
        const { identity, rows, complete, problems } = c.summary;
        const packets = rows.filter((r) => r.kind === 'multifd-packet').length;
        return { name: c.name, size: c.file.size, channelId: identity!.channelId, uuid: identity!.uuid, packets, complete, problems };
      }),
      refused: this.refused,
      blocks: [...m.blocks.values()].map(mergedBlockInfo),
      rewritten: [...m.blocks.values()].reduce((n, b) => n + b.rewritten, 0),
      notes: m.notes,
    };
  }

  /** The combined block, or null when no channel is joined (the main channel's own index then). */
  block(scan: ScanResult, name: string): MergedBlock | null {
    if (!this.joined.length) return null;
    return this.merge(scan).blocks.get(name) ?? null;
  }

  pictureIndex(scan: ScanResult, name: string): RamBlockIndex | null {
    const b = this.block(scan, name);
    return b && mergedIndex(b);
  }

  /**
   * Page `page` of block `name`: where its last write is, and its bytes. `main`: the main channel
   * as edited. Without channels the block's own run index is searched (no per-page arrays: a
   * stream of a large guest would need tens of MiB for them).
   */
  async page(scan: ScanResult, main: Blob, mainName: string, name: string, page: number): Promise<RamPageInfo> {
    const ps = scan.model.pageSize;
    const idx = scan.ram.blocks.get(name);
    const b = this.block(scan, name);
    const pages = b ? b.source.length : idx ? Math.ceil(idx.length / ps) : 0;
    if (!pages) throw new RequestError('bad-request', `RAM block "${name}" has no announced length, so its pages cannot be listed`);
    if (!(Number.isSafeInteger(page) && page >= 0 && page < pages)) throw new RequestError('bad-request', `"${name}" has pages 0 to ${pages - 1}; ${page} is not one of them`);
    const w = b ? { src: b.source[page], kind: b.kind[page], at: b.at[page], packetNum: b.packetNum[page] } : lastRecord(idx!, page);
    const base = { block: name, page, guestOffset: page * ps, pageSize: ps };
    if (w.src === NOT_SENT) return { ...base, kind: 'not sent', source: null, offset: null, record: null };
    const kind = KIND_NAME[w.kind];
    const data = kind === 'data';
    if (w.src === MAIN_SOURCE) {
      // mapped-ram indexes the page bytes themselves; a stream's records have a header first.
      const offset = !data ? null : idx?.direct ? w.at : (await dataStarts(blobSource(main), Float64Array.of(w.at)))[0];
      const bytes = offset === null ? undefined : new Uint8Array(await main.slice(offset, offset + ps).arrayBuffer());
      return { ...base, kind, source: mainName, offset, record: w.at, bytes };
    }
    const ch = this.joined[w.src - 1];
    const bytes = data ? new Uint8Array(await ch.file.slice(w.at, w.at + ps).arrayBuffer()) : undefined;
    const record = data ? packetStart(ch, w.at) : w.at;
    // Edits change the main channel only (its download); a channel file is never written.
    return { ...base, kind, source: ch.name, offset: data ? w.at : null, record, packetNum: w.packetNum, bytes, readOnly: 'bytes in a multifd channel file are not edited (edits and downloads are of the main channel)' };
  }

  /**
   * Block `name` as the destination holds it, with or without channels (a plain stream is the
   * merge of its own records: format/ram-image.ts), as a raw image: slices of the files holding
   * each page's last write.
   */
  async exportBlob(scan: ScanResult, main: Blob, name: string): Promise<{ blob: Blob; notes: string[] }> {
    const b = this.merge(scan).blocks.get(name);
    if (!b) throw new RequestError('bad-request', `No RAM block named "${name}"`);
    const ps = scan.model.pageSize;
    const mainPages: number[] = [];
    for (let p = 0; p < b.source.length; p++) if (b.source[p] === MAIN_SOURCE && b.kind[p] === PageKind.Data) mainPages.push(p);
    const records = Float64Array.from(mainPages.map((p) => b.at[p]));
    const starts = scan.ram.blocks.get(b.name)?.direct ? records : await dataStarts(blobSource(main), records);
    const mainStart = new Map(mainPages.map((p, i) => [p, starts[i]]));
    const image = new RawImage();
    for (let p = 0; p < b.source.length; p++) {
      const src = b.source[p];
      if (src !== NOT_SENT && b.kind[p] === PageKind.Data) image.page(src === MAIN_SOURCE ? main : this.joined[src - 1].file, src === MAIN_SOURCE ? mainStart.get(p)! : b.at[p], ps);
      else image.zeros(ps);
    }
    const { notSent, notDecoded } = blockImageCounts(b);
    const notes = this.joined.length ? [`pages from ${this.joined.length} multifd channel file(s) beside the main channel, each page's last write`] : [];
    if (notSent) notes.push(`${notSent} page(s) never sent are zero-filled`);
    if (notDecoded) notes.push(`${notDecoded} compressed or XBZRLE page(s) are not decoded and are zero-filled`);
    const blob = image.blob(b.length);
    return { blob, notes };
  }

  /** Rows start..start+count of channel `index`'s own records (init, packets): its record table. */
  records(index: number, start: number, count: number): { name: string; total: number; rows: MultifdRecordRow[] } {
    const ch = this.joined[index];
    if (!ch) throw new Error(`no multifd channel ${index}`);
    const rows = ch.summary.rows.slice(start, start + count);
    return { name: ch.name, total: ch.summary.rows.length, rows };
  }

  private merge(scan: ScanResult): MergedRam {
    if (this.merged?.scan !== scan) this.merged = { scan, ram: mergeMultifd(scan.model, scan.ram, this.joined) };
    return this.merged.ram;
  }
}

/** The last record of the main channel's own index that sent `page` (runs are in stream order). */
function lastRecord(idx: RamBlockIndex, page: number): { src: number; kind: number; at: number; packetNum: number } {
  let w = { src: NOT_SENT, kind: 0, at: 0, packetNum: NaN };
  idx.forEachRun((first, count, kind, offset, stride) => {
    if (page >= first && page < first + count) w = { src: MAIN_SOURCE, kind, at: offset + (page - first) * stride, packetNum: NaN };
  });
  return w;
}

/** The packet whose pages hold file offset `at`. */
function packetStart(ch: ChannelFile, at: number): number {
  let start = 0;
  for (const r of ch.summary.rows) if (r.offset <= at) start = r.offset;
  return start;
}
