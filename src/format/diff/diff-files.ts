// Two files scanned and compared: device sections field by field, then the RAM page by page.
// Used by the CLI and the tests; the worker runs the same steps with its own progress and early
// events (a devices-first comparison before the scans end).

import type { ByteSource } from '../byte-source.ts';
import type { DescriptionLibrary } from '../descriptions.ts';
import { scanStream, type ScanResult } from '../scan.ts';
import type { Vmdesc } from '../vmdesc.ts';
import { compareRam } from './ram-diff.ts';
import { hashRam, PageHasher, type PageHashes } from './ram-hash.ts';
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
  const ram = opts.ram !== false;
  // RAM pages are hashed while the scanner passes them: each file is read once.
  const hashers = ram ? [new PageHasher(), new PageHasher()] : [];
  const scanOpts = (i: number) => ({ vmdesc: opts.vmdesc, library: opts.library, signal: opts.signal, ramPages: hashers[i]?.sink });
  const [ls, rs] = await Promise.all([scanStream(left.source, scanOpts(0)), scanStream(right.source, scanOpts(1))]);
  const result = await diffSections({ name: left.name, model: ls.model, read: reader(left.source) }, { name: right.name, model: rs.model, read: reader(right.source) }, opts);
  if (ram && (ls.ram.blocks.size > 0 || rs.ram.blocks.size > 0)) {
    if (ls.ram.pageSize !== rs.ram.pageSize) throw new Error(`RAM page sizes differ (${ls.ram.pageSize} and ${rs.ram.pageSize}): pages cannot be compared`);
    const [lh, rh] = await Promise.all([scannedHashes(left.source, ls, hashers[0], opts.signal), scannedHashes(right.source, rs, hashers[1], opts.signal)]);
    result.ram = compareRam(lh, rh, ls.ram.pageSize);
  }
  return { result, left: ls, right: rs };
}

/** The hashes a scan made; mapped-ram pages are not seen by the scanner, so they take a pass. */
export function scannedHashes(source: ByteSource, scan: ScanResult, hasher: PageHasher, signal?: AbortSignal): Promise<Map<string, PageHashes>> {
  return scan.ram.mappedRam ? hashRam(source, scan.ram, { signal }) : Promise.resolve(hasher.finish(scan.ram));
}
