// The encoder: writes records back from the decoded model. Structural bytes (record headers,
// subsection headers, queue markers, NULL markers) come from the model's shape, leaf bytes from
// each field's decoded value, so an unmodified model re-encodes to the original bytes — proven
// for every fixture by fixtures.test.ts (roundTripMismatches). Opaque regions (RAM pages, large buffers, the vmdesc) are
// copied from the source by offset, never decoded into memory.

import type { ByteSource } from './byte-source.ts';
import { latin1Bytes } from './cursor.ts';
import { DecodeError } from './errors.ts';
import { leafType, writeInt } from './field-types/index.ts';
import type { FieldNode, StreamRecord } from './model.ts';
import { REC } from './records.ts';

export type RawReader = (offset: number, size: number) => Promise<Uint8Array>;

const be32 = (n: number) => writeInt(BigInt(n >>> 0), 4);

/** START/FULL: type, be32 section_id, counted idstr, be32 instance_id, be32 version_id. */
export function encodeSectionHeader(type: number, sectionId: number, idstr?: string, instanceId?: number, versionId?: number): Uint8Array {
  if (type === REC.SECTION_PART || type === REC.SECTION_END) return concat([Uint8Array.of(type), be32(sectionId)]);
  const name = latin1Bytes(idstr ?? '');
  if (name.length < 1 || name.length > 255) throw new Error(`an idstr of 1-255 bytes, got ${name.length}`);
  return concat([Uint8Array.of(type), be32(sectionId), Uint8Array.of(name.length), name, be32(instanceId ?? 0), be32(versionId ?? 0)]);
}

const SECTION_TYPES = { start: REC.SECTION_START, part: REC.SECTION_PART, end: REC.SECTION_END, full: REC.SECTION_FULL } as const;

/** Re-encodes one record from the model. */
export async function encodeRecord(r: StreamRecord, raw: RawReader): Promise<Uint8Array> {
  if (r.kind === 'section' && r.sectionType && !r.ram && r.fields) {
    const header = encodeSectionHeader(SECTION_TYPES[r.sectionType], r.sectionId!, r.idstr, r.instanceId, r.versionId);
    const parts: Uint8Array[] = [header];
    for (const f of r.fields) parts.push(...(await encodeNode(f, raw)));
    if (r.footerOffset !== undefined) parts.push(Uint8Array.of(REC.SECTION_FOOTER), be32(r.sectionId!));
    return concat(parts);
  }
  if (r.kind === 'configuration' && r.fields) {
    const parts: Uint8Array[] = [Uint8Array.of(REC.CONFIGURATION)];
    for (const f of r.fields) parts.push(...(await encodeNode(f, raw)));
    return concat(parts);
  }
  if (r.kind === 'eof') return Uint8Array.of(REC.EOF);
  // Header, commands, RAM, vmdesc, trailing and damaged bytes are kept as they are.
  return raw(r.offset, r.size);
}

/** The bytes of one field node, from its value and shape. */
export async function encodeNode(n: FieldNode, raw: RawReader): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  switch (n.kind) {
    case 'subsection': {
      // vmstate.c vmstate_subsection_save: 0x05, counted name, be32 version, then the body.
      const name = latin1Bytes(n.name.replace(/#\d+$/, ''));
      out.push(Uint8Array.of(REC.SUBSECTION, name.length), name, be32(n.version ?? 0));
      for (const c of n.children ?? []) out.push(...(await encodeNode(c, raw)));
      return out;
    }
    case 'list':
      // vmstate-types.c put_qtailq: 0x01 before each element, 0x00 at the end.
      for (const el of n.children ?? []) {
        out.push(Uint8Array.of(1));
        for (const c of el.children ?? []) out.push(...(await encodeNode(c, raw)));
      }
      out.push(Uint8Array.of(0));
      return out;
    case 'struct':
    case 'array':
      for (const c of n.children ?? []) out.push(...(await encodeNode(c, raw)));
      return out;
  }
  // Opaque regions and large buffers carry only a preview in the model: take their bytes from the file.
  if (n.kind === 'opaque' || (n.value instanceof Uint8Array && n.value.length < n.size)) return [await raw(n.offset, n.size)];
  const r = leafType(n).encode(n.value ?? null, n.size);
  if (!r.ok) throw new DecodeError('bad-field', n.offset, `an encodable value: ${r.reason}`, n.path);
  return [r.bytes];
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Re-encodes every record; the result equals the source when nothing was edited. */
export async function encodeStream(records: StreamRecord[], source: ByteSource): Promise<Uint8Array[]> {
  const raw: RawReader = (o, s) => source.read(o, s);
  const out: Uint8Array[] = [];
  for (const r of records) out.push(await encodeRecord(r, raw));
  return out;
}
