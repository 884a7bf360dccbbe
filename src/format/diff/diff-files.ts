// Two files scanned and compared: device sections field by field, then the RAM page by page.
// Used by the CLI and the tests; the worker runs the same steps with its own progress and early
// events (a devices-first comparison before the scans end).

import type { ByteSource } from '../byte-source.ts';
import type { DescriptionLibrary } from '../descriptions.ts';
import { scanStream, type ScanResult } from '../scan.ts';
import type { Vmdesc } from '../vmdesc.ts';
import { compareRam } from './ram-diff.ts';
import { hashRam } from './ram-hash.ts';
import { diffSections } from './sections.ts';
import type { DiffResult } from './types.ts';

export interface DiffFileOptions {
  vmdesc?: Vmdesc;
  library?: DescriptionLibrary;
  ignore?: readonly string[];
  /** Compare RAM pages too (default true). */
  ram?: boolean;
  signal?: AbortSignal;
}

export interface FileInput {
  name: string;
  source: ByteSource;
}

export interface FileDiff {
  result: DiffResult;
  left: ScanResult;
  right: ScanResult;
}

const reader = (s: ByteSource) => (offset: number, size: number) => s.read(offset, size);

export async function diffFiles(left: FileInput, right: FileInput, opts: DiffFileOptions = {}): Promise<FileDiff> {
  const scanOpts = { vmdesc: opts.vmdesc, library: opts.library, signal: opts.signal };
  const [ls, rs] = await Promise.all([scanStream(left.source, scanOpts), scanStream(right.source, scanOpts)]);
  const result = await diffSections({ name: left.name, model: ls.model, read: reader(left.source) }, { name: right.name, model: rs.model, read: reader(right.source) }, opts);
  if (opts.ram !== false && (ls.ram.blocks.size > 0 || rs.ram.blocks.size > 0)) {
    result.ram = await ramDiff(left.source, ls, right.source, rs, opts.signal);
  }
  return { result, left: ls, right: rs };
}

export async function ramDiff(ls: ByteSource, left: ScanResult, rs: ByteSource, right: ScanResult, signal?: AbortSignal, onProgress?: (done: number, total: number) => void) {
  if (left.ram.pageSize !== right.ram.pageSize) throw new Error(`RAM page sizes differ (${left.ram.pageSize} and ${right.ram.pageSize}): pages cannot be compared`);
  // Both files are read at once: their reads overlap, the hashing takes turns.
  let l = 0;
  let r = 0;
  const lt = left.model.ramBlocks.reduce((n, b) => n + b.pages, 0);
  const rt = right.model.ramBlocks.reduce((n, b) => n + b.pages, 0);
  const report = () => onProgress?.(l + r, lt + rt);
  const [lh, rh] = await Promise.all([
    hashRam(ls, left.ram, { signal, onProgress: (d) => ((l = d), report()) }),
    hashRam(rs, right.ram, { signal, onProgress: (d) => ((r = d), report()) }),
  ]);
  return compareRam(lh, rh, left.ram.pageSize);
}
