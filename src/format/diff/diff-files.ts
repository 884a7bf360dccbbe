// Two files scanned and compared: device sections field by field, then the RAM page by page.
// Used by the CLI and the tests; the worker runs the same steps with its own progress and early
// events (a devices-first comparison before the scans end).

import type { ByteSource } from '../byte-source.ts';
import type { DescriptionLibrary } from '../descriptions.ts';
import { likelyLayouts } from '../likely-layouts.ts';
import { scanStream, type ScanResult } from '../scan.ts';
import type { Vmdesc } from '../vmdesc.ts';
import { compareRam } from './ram-diff.ts';
import { hashRam, PageHasher, type PageHashes } from './ram-hash.ts';
import type { EqualBytes } from './ram-paired.ts';
import { RamLockstep, type LockstepSide } from './ram-lockstep.ts';
import { lockstepResult } from './lockstep-result.ts';
import { diffSections } from './sections.ts';
import type { DiffResult } from './types.ts';

export interface DiffFileOptions {
  vmdesc?: Vmdesc;
  library?: DescriptionLibrary;
  ignore?: readonly string[];
  /** Compare RAM pages too (default true). */
  ram?: boolean;
  signal?: AbortSignal;
  /** Byte comparison for the RAM pages (ram-lockstep.ts): the CLI passes Node's memcmp. */
  equalBytes?: EqualBytes;
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
  const scanOpts = { vmdesc: opts.vmdesc, library: opts.library, signal: opts.signal };
  // Both files scanned side by side, their pages compared as the scanners pass them (each file
  // read once: ram-lockstep.ts).
  const pair = ram ? new RamLockstep(opts.equalBytes) : null;
  const scan = (side: LockstepSide | undefined, source: ByteSource) =>
    side ? pair!.run(side, () => scanStream(side.gated(source), { ...scanOpts, ramPages: side.sink })) : scanStream(source, scanOpts);
  const [ls, rs] = await Promise.all([scan(pair?.left, left.source), scan(pair?.right, right.source)].map(async (p, i) => likely(await p, i ? right.source : left.source, opts.library)));
  const result = await diffSections({ name: left.name, model: ls.model, read: reader(left.source) }, { name: right.name, model: rs.model, read: reader(right.source) }, opts);
  if (pair && (ls.ram.blocks.size > 0 || rs.ram.blocks.size > 0)) {
    if (ls.ram.pageSize !== rs.ram.pageSize) throw new Error(`RAM page sizes differ (${ls.ram.pageSize} and ${rs.ram.pageSize}): pages cannot be compared`);
    // Where the scanners could not pass every page (mapped-ram slots), each file's pages hashed
    // through its index.
    result.ram = (await lockstepResult(pair, left.source, ls.ram, right.source, rs.ram, { equal: opts.equalBytes }))
      ?? compareRam(...(await Promise.all([hashedAgain(left.source, ls, scanOpts), hashedAgain(right.source, rs, scanOpts)])), ls.ram.pageSize);
  }
  return { result, left: ls, right: rs };
}

/** Fields compared as the likely QEMU version's layouts read them (likely-layouts.ts), as the page shows them. */
async function likely(scan: ScanResult, source: ByteSource, library: DescriptionLibrary | undefined): Promise<ScanResult> {
  const { model } = await likelyLayouts(scan.model, source, library);
  return model === scan.model ? scan : { ...scan, model };
}

/**
 * Page hashes read through the RAM index, or, where the index was cut short (a block of more
 * than ram.ts MAX_RUNS runs), during a second scan, which sees every record.
 */
async function hashedAgain(source: ByteSource, scan: ScanResult, opts: { signal?: AbortSignal }): Promise<Map<string, PageHashes>> {
  if (![...scan.ram.blocks.values()].some((b) => b.truncatedIndex)) return hashRam(source, scan.ram, opts);
  const hasher = new PageHasher();
  const again = await scanStream(source, { ...opts, ramPages: hasher.sink });
  return hasher.finish(again.ram);
}

/** The hashes a scan made; mapped-ram pages are not seen by the scanner, so they take a pass. */
export function scannedHashes(source: ByteSource, scan: ScanResult, hasher: PageHasher, signal?: AbortSignal): Promise<Map<string, PageHashes>> {
  return scan.ram.mappedRam ? hashRam(source, scan.ram, { signal }) : Promise.resolve(hasher.finish(scan.ram));
}
