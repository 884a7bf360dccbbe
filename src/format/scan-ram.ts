// RAM sections in the scan (format.md §6.1, migration/ram.c ram_load_precopy): gigabytes of page
// records, decoded (ram.ts) across as many window refills as they take, and mapped-ram's pages,
// listed by bitmaps read from where the stream says they are. scan.ts walks the records around them.

import { Cursor, NeedMoreData } from './cursor.ts';
import { DecodeError, quoted } from './errors.ts';
import type { RamSummary } from './model.ts';
import { decodeRamRecords, indexMappedBitmap, newRamSummary, ramRecordMax, type RamState } from './ram.ts';
import type { WindowReader } from './window-reader.ts';

/** Decodes the RAM section whose data starts at `dataOffset`, up to its EOS; returns where its data ends. */
export async function readRamSection(reader: WindowReader, ram: RamState, dataOffset: number, label: string, minWindow: number, checkCancel: (at: number) => void): Promise<{ dataEnd: number; summary: RamSummary }> {
  const summary = newRamSummary();
  ram.resumeAt = dataOffset;
  // A window always holds the largest record there can be past where decoding resumes, so every
  // pass decodes at least one record or stops at the file's end (with huge pages a smaller one
  // came back unchanged, for ever).
  const want = Math.max(minWindow, ramRecordMax(ram.pageSize));
  for (;;) {
    checkCancel(ram.resumeAt);
    const win = await reader.at(ram.resumeAt, want);
    try {
      if (decodeRamRecords(new Cursor(win, ram.resumeAt, label), ram, summary) === 'eos') break;
    } catch (e) {
      if (!(e instanceof NeedMoreData)) throw e;
    }
    await readMappedBitmaps(reader, ram, summary, label);
  }
  return { dataEnd: ram.resumeAt, summary };
}

/** mapped-ram: the pages of each block are listed by its bitmap, read from where it says. */
async function readMappedBitmaps(reader: WindowReader, ram: RamState, summary: RamSummary, label: string): Promise<void> {
  const { source } = reader;
  for (const mb of ram.mapped.splice(0)) {
    const pages = Math.ceil(mb.block.length / ram.pageSize);
    const end = mb.pagesOffset + mb.block.length;
    if (end > source.size) throw new DecodeError('truncated', source.size, `the pages of ${quoted(mb.block.name)} up to 0x${end.toString(16)}`, label);
    const bitmap = await source.read(mb.bitmapOffset, Math.ceil(pages / 8));
    indexMappedBitmap(mb, bitmap, ram.pageSize, summary);
  }
}
