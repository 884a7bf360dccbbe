// Output in the shape QEMU's scripts/analyze-migration.py prints with `-f FILE` (format.md §3.9),
// so our decode can be compared with QEMU's own tool key for key. Unlike the script, this works
// on any file we decode, with an embedded, supplied or bundled description.

import type { ByteSource } from './byte-source.ts';
import { bytesToHex, INT_TYPES } from './field-types/index.ts';
import type { FieldNode, StreamModel } from './model.ts';

type Json = string | boolean | Json[] | { [key: string]: Json };

/** The script's readers: which JSON types it decodes as integers, and which of those signed. */
const SIGNED = new Set(['int8', 'int16', 'int32', 'int64', 'int32 equal', 'int32 le', 'int64 equal', 'uint8 equal', 'uint16 equal']);
const UNSIGNED = new Set(['uint8', 'uint16', 'uint32', 'uint32 equal', 'uint64']);

export async function analyzeJson(model: StreamModel, source: ByteSource): Promise<Record<string, Json>> {
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
    if (r.sectionType === 'full' || r.sectionType === 'start') out[key] = await fieldsObject(r.fields ?? [], source);
  }
  return out;
}

/** Python's json.dumps(indent=4) with ensure_ascii, as the script prints it. */
export function formatAnalyze(obj: unknown): string {
  return JSON.stringify(obj, null, 4).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function fieldsObject(nodes: FieldNode[], source: ByteSource): Promise<Record<string, Json>> {
  const o: Record<string, Json> = {};
  for (const n of nodes) {
    if (n.kind === 'array') o[n.name] = await Promise.all((n.children ?? []).map((c) => value(c, source)));
    else o[n.name] = await value(n, source);
  }
  return o;
}

async function value(n: FieldNode, source: ByteSource): Promise<Json> {
  if (n.kind === 'subsection' || (n.type === 'struct' && n.kind === 'struct')) return fieldsObject(n.children ?? [], source);
  if (n.type === 'bool') return n.value !== false && n.value !== 0;
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
