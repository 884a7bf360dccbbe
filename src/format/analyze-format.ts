// Output in the shape QEMU's scripts/analyze-migration.py prints with `-f FILE` (format.md §3.9),
// so our decode can be compared with QEMU's own tool key for key. Unlike the script, this works
// on any file we decode, with an embedded, supplied or bundled description.
//
// The script changed with QEMU (dialects, detected from the stream, or chosen):
// - 7.2: array elements are collected by their "index" member into lists; a name met again
//   without one overwrites the earlier value.
// - 10.0: compressed arrays are unfolded, then every name met again is grouped into a list (the
//   first value alone stays a scalar, so a one-element array prints as its element); "nullptr"
//   entries print as nullptr, an unknown type such as 11.1's "ptr-marker" as its hex bytes.
// - 11.1: as 10.0, and "ptr-marker" entries print as nullptr.
// Sections the script reads with its own classes print as "" (spapr/htab, s390 storage
// attributes: HTABSection / S390StorageAttributes getDict).

import type { ByteSource } from './byte-source.ts';
import { bytesToHex, INT_TYPES } from './field-types/index.ts';
import type { FieldNode, StreamModel } from './model.ts';

type Json = string | boolean | Json[] | { [key: string]: Json };

/** The script's readers: which JSON types it decodes as integers, and which of those signed. */
const SIGNED = new Set(['int8', 'int16', 'int32', 'int64', 'int32 equal', 'int32 le', 'int64 equal', 'uint8 equal', 'uint16 equal']);
const UNSIGNED = new Set(['uint8', 'uint16', 'uint32', 'uint32 equal', 'uint64']);

export type AnalyzeDialect = '7.2' | '10.0' | '11.1';
export const ANALYZE_DIALECTS: readonly AnalyzeDialect[] = ['7.2', '10.0', '11.1'];

/** Sections whose getDict() is "" in the script. */
const OPAQUE_SECTIONS = new Set(['spapr/htab', 's390-storage_attributes']);

/**
 * The QEMU that wrote the stream: the version in the configuration's machine type ("pc-q35-11.1",
 * "virt-7.2"), raised by what only newer writers emit ("ptr-marker", "nullptr" entries).
 */
export function detectDialect(model: StreamModel): AnalyzeDialect {
  const m = /-(\d+)\.(\d+)$/.exec(model.machine ?? '');
  const version = m ? Number(m[1]) + Number(m[2]) / 100 : 0;
  let types = 0;
  const visit = (nodes: FieldNode[]) => {
    for (const n of nodes) {
      if (n.type === 'ptr-marker') types = Math.max(types, 11.01);
      else if (n.type === 'nullptr') types = Math.max(types, 10);
      if (n.children) visit(n.children);
    }
  };
  for (const r of model.records) if (r.fields) visit(r.fields);
  const v = Math.max(version, types);
  return v >= 11.01 ? '11.1' : v >= 10 ? '10.0' : '7.2';
}

export async function analyzeJson(model: StreamModel, source: ByteSource, dialect: AnalyzeDialect = detectDialect(model)): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  const keyOf = new Map<number, string>();
  for (const r of model.records) {
    if (r.kind !== 'section' || r.sectionId === undefined) continue;
    if (r.sectionType === 'start' || r.sectionType === 'full') keyOf.set(r.sectionId, `${r.idstr} (${r.sectionId})`);
    const key = keyOf.get(r.sectionId)!;
    if (r.ram) {
      // The RAM reader reports only the blocks of MEM_SIZE, as "section sizes".
      const sizes = (out[key] as { 'section sizes': Record<string, Json> } | undefined)?.['section sizes'] ?? {};
      for (const b of r.ram.blocks ?? []) sizes[b.name] = `0x${b.length.toString(16).padStart(16, '0')}`;
      out[key] = { 'section sizes': sizes };
      continue;
    }
    if (OPAQUE_SECTIONS.has(r.idstr ?? '')) out[key] = '';
    else if (r.sectionType === 'full' || r.sectionType === 'start') out[key] = await fieldsObject(r.fields ?? [], source, dialect);
  }
  return out;
}

/** Python's json.dumps(indent=4) with ensure_ascii, as the script prints it. */
export function formatAnalyze(obj: unknown): string {
  return JSON.stringify(obj, null, 4).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function fieldsObject(nodes: FieldNode[], source: ByteSource, dialect: AnalyzeDialect): Promise<Record<string, Json>> {
  const o: Record<string, Json> = {};
  if (dialect === '7.2') {
    for (const n of nodes) {
      if (n.kind === 'array') o[n.name] = await Promise.all((n.children ?? []).map((c) => value(c, source, dialect)));
      else o[n.name] = await value(n, source, dialect);
    }
    return o;
  }
  // 10.0 and later: VMSDFieldStruct.read groups every repeated name; subsections overwrite.
  const grouped = new Set<string>();
  for (const n of nodes) {
    const entries = n.kind === 'array' ? n.children ?? [] : [n];
    for (const e of entries) {
      const v = await value(e, source, dialect);
      if (n.kind === 'subsection' || !(n.name in o)) o[n.name] = v;
      else if (grouped.has(n.name)) (o[n.name] as Json[]).push(v);
      else {
        o[n.name] = [o[n.name], v];
        grouped.add(n.name);
      }
    }
  }
  return o;
}

async function value(n: FieldNode, source: ByteSource, dialect: AnalyzeDialect): Promise<Json> {
  if (n.kind === 'subsection' || (n.type === 'struct' && n.kind === 'struct')) return fieldsObject(n.children ?? [], source, dialect);
  if (n.type === 'bool') return n.value !== false && n.value !== 0;
  if (dialect !== '7.2' && n.type === 'nullptr') return 'nullptr';
  if (dialect === '11.1' && n.type === 'ptr-marker' && n.value === 'nullptr') return 'nullptr';
  if (n.type === 'capability') return String(n.value);
  if ((SIGNED.has(n.type) || UNSIGNED.has(n.type)) && INT_TYPES[n.type]?.bytes === n.size) return intText(n, SIGNED.has(n.type));
  // Everything else is VMSDFieldGeneric: the raw bytes as space-separated hex.
  const bytes = await source.read(n.offset, n.size);
  return bytesToHex(bytes).replace(/(..)(?!$)/g, '$1 ');
}

/** VMSDFieldInt.__repr__: '0x%0{2n}x', and for negative values 'unsigned (signed)'. */
function intText(n: FieldNode, signed: boolean): string {
  const bits = BigInt(n.size * 8);
  let u = BigInt(n.value as number | string);
  if (u < 0n) u += 1n << bits;
  const s = signed && u >= 1n << (bits - 1n) ? u - (1n << bits) : u;
  const hex = `0x${u.toString(16).padStart(n.size * 2, '0')}`;
  return s < 0n ? `${hex} (${s})` : hex;
}
