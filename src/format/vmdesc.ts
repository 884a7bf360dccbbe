// The JSON VM description QEMU appends after EOF (format.md §3.7, §4;
// migration/savevm.c: qemu_savevm_state_complete_precopy_non_iterable).

import { DecodeError, escapeText } from './errors.ts';
import { validateVmdesc } from './vmdesc-schema.ts';
import type { ByteSource } from './byte-source.ts';
import { latin1 } from './cursor.ts';

export interface VmsdDesc {
  vmsd_name: string;
  version: number;
  fields?: VmdescField[];
  subsections?: VmsdDesc[];
}

export interface VmdescField {
  name: string;
  array_len?: number;
  index?: number;
  type: string;
  struct?: Partial<VmsdDesc>;
  size: number;
  /** tmp / vstruct / qtailq / qlist / gtree carry their nested vmsd inline. */
  vmsd_name?: string;
  version?: number;
  fields?: VmdescField[];
  subsections?: VmsdDesc[];
  /** Ours, for built-in descriptions only: length taken from an earlier sibling (VMS_VBUFFER). */
  size_from?: string;
  /** Ours, for built-in descriptions only: element count from an earlier sibling (VMS_VARRAY). */
  array_len_from?: string;
}

export interface VmdescDevice {
  name: string;
  instance_id: number;
  vmsd_name?: string;
  version?: number;
  /** Old-style sections only. */
  size?: number;
  fields?: VmdescField[];
  subsections?: VmsdDesc[];
}

export interface Vmdesc {
  page_size: number;
  devices: VmdescDevice[];
  /** ≥ 8.2 */
  configuration?: VmsdDesc;
}

/**
 * Parses and validates a description read from a file (vmdesc-schema.ts): whatever it holds, the
 * decoder gets the shape it walks, or a DecodeError names the byte offset and the JSON path.
 * `offset` is where the text starts in its file.
 */
export function parseVmdesc(text: string, offset: number): Vmdesc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8 says where: "... in JSON at position N" (the excerpt it quotes is file text).
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const where = at ? offset + new TextEncoder().encode(text.slice(0, Number(at[1]))).length : offset;
    throw new DecodeError('bad-vmdesc', where, `valid JSON (${escapeText(msg)})`);
  }
  const d = validateVmdesc(json, text, offset);
  if (d.page_size === undefined) d.page_size = 4096;
  return d;
}

/** Where the VMDESCRIPTION record sits: the 0x06 byte, and the JSON text's offset and length. */
export interface VmdescLocation {
  recordOffset: number;
  jsonOffset: number;
  jsonLength: number;
}

/** How much of the tail to search: usually the JSON is a few hundred KiB, rarely many MiB. */
const TAIL_STEPS = [1024 * 1024, 32 * 1024 * 1024];

/**
 * Finds the vmdesc by reading the tail of the file: the record is `00 (EOF) 06 be32 len {json}`
 * and the JSON ends at or before the end of the file. Searches backwards for the '{' whose
 * preceding be32 length fits, which, unlike analyze-migration.py's "last NUL byte" rule, survives
 * trailing zero padding.
 */
export function locateVmdesc(source: ByteSource): Promise<VmdescLocation | null> {
  // Asked twice per CLI run (does the file need the libraries? then the scan): searched once.
  let found = located.get(source);
  if (!found) {
    found = (async () => {
      for (const step of TAIL_STEPS) {
        const loc = await locateIn(source, Math.max(0, source.size - step));
        if (loc || step >= source.size) return loc;
      }
      return null;
    })();
    located.set(source, found);
  }
  return found;
}

const located = new WeakMap<ByteSource, Promise<VmdescLocation | null>>();

/**
 * Candidates are found by their 0x06 byte with lastIndexOf, a native search: JSON text holds no
 * raw control byte, so the whole description is passed over in one call, where a loop over its
 * bytes took ~2 ms per search before the optimizing compiler took it (bench-cli.ts).
 */
async function locateIn(source: ByteSource, start: number): Promise<VmdescLocation | null> {
  const tail = await source.read(start, source.size - start);
  // j: the 0x06 of `00 06 be32 {`; the '{' at i = j + 5, as far back as i = 6.
  for (let j = tail.lastIndexOf(0x06, tail.length - 6); j >= 1; j = tail.lastIndexOf(0x06, j - 1)) {
    const i = j + 5;
    if (tail[i] !== 0x7b || tail[j - 1] !== 0x00) continue;
    const len = ((tail[i - 4] << 24) | (tail[i - 3] << 16) | (tail[i - 2] << 8) | tail[i - 1]) >>> 0;
    if (len < 2 || i + len > tail.length || tail[i + len - 1] !== 0x7d) continue;
    // Require the JSON to start like QEMU's writer starts it.
    const head = latin1(tail.subarray(i, Math.min(i + 20, tail.length)));
    if (!/^\{"(page_size|configuration|devices)"/.test(head)) continue;
    return { recordOffset: start + i - 5, jsonOffset: start + i, jsonLength: len };
  }
  return null;
}

export async function readVmdesc(source: ByteSource, loc: VmdescLocation): Promise<Vmdesc> {
  const bytes = await source.read(loc.jsonOffset, loc.jsonLength);
  return parseVmdesc(utf8Text(bytes, loc.jsonOffset), loc.jsonOffset);
}

/**
 * JSON text is UTF-8 (RFC 8259 §8.1; QEMU's json-writer writes nothing else). Decoding strictly
 * keeps character positions and byte offsets in step, which every offset reported inside the
 * description relies on: a lenient decoder would turn each bad byte into a 3-byte U+FFFD.
 */
function utf8Text(bytes: Uint8Array, offset: number): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch {
    // Find the first bad byte: the shortest prefix a streaming strict decoder refuses.
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let ok = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      } catch {
        ok = false;
      }
      if (ok) lo = mid + 1;
      else hi = mid;
    }
    const at = Math.min(lo, bytes.length - 1);
    throw new DecodeError('bad-vmdesc', offset + at, `UTF-8 text in the JSON description; found byte 0x${bytes[at].toString(16).padStart(2, '0')}`);
  }
}

/** Accepts a JSON description or a whole migration stream to take it from (format.md §3.10). */
export async function loadDescription(source: ByteSource): Promise<Vmdesc> {
  const head = await source.read(0, 4);
  if (head.length === 4 && latin1(head) === 'QEVM') {
    const loc = await locateVmdesc(source);
    if (!loc) throw new DecodeError('bad-vmdesc', 0, 'a migration stream that ends with a JSON VM description');
    return readVmdesc(source, loc);
  }
  const bytes = await source.read(0, source.size);
  return parseVmdesc(utf8Text(bytes, 0), 0);
}
