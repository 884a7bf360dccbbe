// The JSON VM description QEMU appends after EOF (format.md §3.7, §4;
// migration/savevm.c: qemu_savevm_state_complete_precopy_non_iterable).

import { DecodeError } from './errors.ts';
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

/** Validates the shape enough that the decoder never trips over a hostile description. */
export function parseVmdesc(text: string, offset: number): Vmdesc {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DecodeError('bad-vmdesc', offset, `valid JSON (${(e as Error).message})`);
  }
  const d = json as Vmdesc;
  if (!d || typeof d !== 'object' || !Array.isArray(d.devices)) {
    throw new DecodeError('bad-vmdesc', offset, 'an object with a "devices" array');
  }
  if (typeof d.page_size !== 'number') d.page_size = 4096;
  for (const dev of d.devices) {
    if (!dev || typeof dev.name !== 'string' || typeof dev.instance_id !== 'number') {
      throw new DecodeError('bad-vmdesc', offset, 'devices with "name" and "instance_id"');
    }
  }
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
export async function locateVmdesc(source: ByteSource): Promise<VmdescLocation | null> {
  for (const step of TAIL_STEPS) {
    const found = await locateIn(source, Math.max(0, source.size - step));
    if (found || step >= source.size) return found;
  }
  return null;
}

async function locateIn(source: ByteSource, start: number): Promise<VmdescLocation | null> {
  const tail = await source.read(start, source.size - start);
  for (let i = tail.length - 1; i >= 6; i--) {
    if (tail[i] !== 0x7b || tail[i - 5] !== 0x06 || tail[i - 6] !== 0x00) continue;
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
  return parseVmdesc(new TextDecoder().decode(bytes), loc.jsonOffset);
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
  return parseVmdesc(new TextDecoder().decode(bytes), 0);
}
