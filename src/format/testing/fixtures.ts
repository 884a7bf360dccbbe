// Test support (Node only): the real-QEMU fixtures of public/fixtures and their manifest, and the
// checkModelSnapshot helper every fixture goes through. Never imported by the app.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memorySource } from '../byte-source.ts';
import { encodeRecord } from '../encode.ts';
import type { StreamModel } from '../model.ts';
import { scanStream, type ScanOptions } from '../scan.ts';
import { loadDescription, type Vmdesc } from '../vmdesc.ts';

export const FIXTURE_DIR = join(import.meta.dirname, '../../../public/fixtures');

export interface FixtureEntry {
  file: string;
  kind: 'devstate' | 'devstate-xen' | 'colo' | 'migration' | 'migration-xen';
  machine: string;
  machineType?: string;
  describedBy?: string;
  loadsBack?: boolean;
  hasFooters?: boolean;
  hasVmdesc?: boolean;
  args: string[];
  binary: string;
}

export function manifest(): { fixtures: FixtureEntry[] } {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'manifest.json'), 'utf8'));
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));
}

export async function fixtureDescription(name: string): Promise<Vmdesc> {
  return loadDescription(memorySource(fixtureBytes(name)));
}

export async function scanBytes(bytes: Uint8Array, opts: ScanOptions = {}): Promise<StreamModel> {
  return (await scanStream(memorySource(bytes), opts)).model;
}

/** The records tile the file: each starts where the previous ended, the last ends at the end. */
export function gaps(model: StreamModel): string[] {
  const out: string[] = [];
  let at = 0;
  for (const r of model.records) {
    if (r.offset !== at) out.push(`record ${r.index} (${r.idstr ?? r.kind}) starts at ${r.offset}, expected ${at}`);
    at = r.offset + r.size;
  }
  if (model.records.length && at !== model.fileSize) out.push(`records end at ${at}, the file at ${model.fileSize}`);
  return out;
}

/** Re-encodes every record from the model and returns the records that differ from the file. */
export async function roundTripMismatches(bytes: Uint8Array, model: StreamModel): Promise<string[]> {
  const src = memorySource(bytes);
  const bad: string[] = [];
  for (const r of model.records) {
    const enc = await encodeRecord(r, (o, s) => src.read(o, s));
    const orig = bytes.subarray(r.offset, r.offset + r.size);
    if (enc.length !== orig.length || enc.some((b, i) => b !== orig[i])) bad.push(`${r.index} ${r.idstr ?? r.kind}: ${enc.length} vs ${orig.length} bytes`);
  }
  return bad;
}

/** A small seeded PRNG (mulberry32) for reproducible random tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
