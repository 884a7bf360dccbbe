// Shared by the hostile-input tests and `npm run fuzz`: mutations of real files, and the
// invariant every scan of hostile input must keep.
import { formatProblem, PROBLEM_CODES, type Problem } from '../errors.ts';
import type { StreamModel } from '../model.ts';
import { memorySource, type ByteSource } from '../byte-source.ts';
import { scanStream, type ScanOptions } from '../scan.ts';

export type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; bytes?: number[]; count?: number };

export function mutate(src: Uint8Array, rnd: () => number): { bytes: Uint8Array; mutation: Mutation } {
  const at = Math.floor(rnd() * src.length);
  const pick = rnd();
  if (pick < 0.4) {
    const out = src.slice();
    const bytes = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => Math.floor(rnd() * 256));
    bytes.forEach((b, i) => at + i < out.length && (out[at + i] = b));
    return { bytes: out, mutation: { kind: 'flip', at, bytes } };
  }
  if (pick < 0.65) {
    const bytes = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256));
    const out = new Uint8Array(src.length + bytes.length);
    out.set(src.subarray(0, at));
    out.set(bytes, at);
    out.set(src.subarray(at), at + bytes.length);
    return { bytes: out, mutation: { kind: 'insert', at, bytes } };
  }
  if (pick < 0.9) {
    const count = 1 + Math.floor(rnd() * 16);
    // A deletion near the end removes only what is there (sizing the copy by `count` alone threw
    // a RangeError when fewer than `count` bytes followed `at`).
    const out = new Uint8Array(src.length - Math.min(count, src.length - at));
    out.set(src.subarray(0, at));
    out.set(src.subarray(Math.min(src.length, at + count)), at);
    return { bytes: out, mutation: { kind: 'delete', at, count } };
  }
  return { bytes: src.subarray(0, at), mutation: { kind: 'truncate', at } };
}

/** Printable ASCII only: file text reaches messages through escapeText (errors.ts), or not at all. */
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * What is wrong with a problem as the user would see it, or null: a known code, an integer offset
 * inside the file (`size` bytes), a message of printable ASCII (raw, before formatProblem's own
 * safety net), and a printed form that is one line naming the offset.
 */
export function problemFault(p: Problem, size: number): string | null {
  if (!(p.code in PROBLEM_CODES)) return `unknown problem code ${p.code}`;
  if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset > size) return `problem offset ${p.offset} outside the file: ${JSON.stringify(p.message)}`;
  if (!PLAIN.test(p.message)) return `raw file text in a message: ${JSON.stringify(p.message)}`;
  const line = formatProblem(p);
  if (!PLAIN.test(line) || !/^(error|warning|info) at 0x[0-9a-f]+ \(\d+\): /.test(line)) return `not one plain line naming the offset: ${JSON.stringify(line)}`;
  return null;
}

/**
 * Scans hostile bytes: must resolve (no exception escapes), every problem must be one of ours
 * and name an offset inside the file, and the records must tile the part of the file they cover.
 * Returns a description of what broke, or null.
 */
export async function checkHostile(bytes: Uint8Array, opts: ScanOptions = {}): Promise<{ model?: StreamModel; failure: string | null }> {
  return checkHostileSource(memorySource(bytes), opts);
}

/** checkHostile over any source (a qcow2 snapshot's mapped VM state). */
export async function checkHostileSource(source: ByteSource, opts: ScanOptions = {}): Promise<{ model?: StreamModel; failure: string | null }> {
  const bytes = { length: source.size };
  let model: StreamModel;
  try {
    model = (await scanStream(source, opts)).model;
  } catch (e) {
    return { failure: `exception: ${(e as Error).stack ?? e}` };
  }
  for (const p of model.problems) {
    const bad = problemFault(p, bytes.length);
    if (bad) return { model, failure: bad };
  }
  let at = model.records[0]?.offset ?? 0;
  for (const r of model.records) {
    if (r.offset !== at) return { model, failure: `record ${r.index} starts at ${r.offset}, expected ${at}` };
    if (r.size < 0 || r.offset + r.size > bytes.length) return { model, failure: `record ${r.index} overruns the file` };
    at = r.offset + r.size;
  }
  return { model, failure: null };
}
