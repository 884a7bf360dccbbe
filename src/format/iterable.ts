// Built-in decoders for iterable sections other than RAM, whose data no vmdesc describes
// (format.md §6.2; hw/s390x/s390-stattrib.c, hw/ppc/spapr.c htab_save_*).

import type { Cursor } from './cursor.ts';
import { DecodeError } from './errors.ts';
import { decodeLeaf } from './field-types/index.ts';
import type { FieldNode } from './model.ts';

type IterableDecoder = (c: Cursor, prefix: string) => FieldNode[];

const STATTR = { EOS: 0x01, MORE: 0x02, ERROR: 0x04, DONE: 0x08 } as const;

function leaf(c: Cursor, name: string, path: string, type: string, size: number): FieldNode {
  const offset = c.pos;
  return { name, path, kind: 'leaf', type, offset, size, value: decodeLeaf(c, type, size) };
}

/** be64 (gfn << page bits | flags); MORE carries be64 count + count bytes; EOS ends the part. */
function storageAttributes(c: Cursor, prefix: string): FieldNode[] {
  const out: FieldNode[] = [];
  for (;;) {
    const at = c.pos;
    const word = c.be64('storage attribute record');
    const flags = Number(word & 0xfffn);
    const path = `${prefix}[${out.length}]`;
    const children: FieldNode[] = [{ name: 'addr_flags', path: `${path}.addr_flags`, kind: 'leaf', type: 'uint64', offset: at, size: 8, value: word <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(word) : word.toString() }];
    if (flags & STATTR.ERROR) throw new DecodeError('description-mismatch', at, 'a storage attribute record without the ERROR flag', path);
    if (flags & STATTR.MORE) {
      const count = leaf(c, 'count', `${path}.count`, 'uint64', 8);
      if (typeof count.value !== 'number' || count.value > c.available + 1e9) throw new DecodeError('limit', count.offset, 'a storage attribute count that fits in the file', path);
      children.push(count, leaf(c, 'data', `${path}.data`, 'buffer', count.value));
    }
    out.push({ name: `[${out.length}]`, path, kind: 'struct', type: flags & STATTR.MORE ? 'chunk' : flags & STATTR.DONE ? 'done' : 'eos', offset: at, size: c.pos - at, children });
    if (flags & STATTR.EOS) return out;
    if (!(flags & (STATTR.MORE | STATTR.DONE))) throw new DecodeError('description-mismatch', at, `storage attribute flags MORE, DONE or EOS; found 0x${flags.toString(16)}`, path);
  }
}

/** be32 header: -1 no HPT, > 0 hash shift, 0 then chunks (be32 index, be16 valid, be16 invalid, valid x 16 bytes) until all zero. */
function htab(c: Cursor, prefix: string): FieldNode[] {
  const header = leaf(c, 'header', `${prefix}header`, 'int32', 4);
  const out = [header];
  if (header.value !== 0) return out;
  for (;;) {
    const at = c.pos;
    const path = `${prefix}chunks[${out.length - 1}]`;
    const index = leaf(c, 'index', `${path}.index`, 'uint32', 4);
    const valid = leaf(c, 'n_valid', `${path}.n_valid`, 'uint16', 2);
    const invalid = leaf(c, 'n_invalid', `${path}.n_invalid`, 'uint16', 2);
    const children = [index, valid, invalid];
    if (valid.value) children.push(leaf(c, 'hptes', `${path}.hptes`, 'buffer', (valid.value as number) * 16));
    out.push({ name: `chunks[${out.length - 1}]`, path, kind: 'struct', type: 'htab chunk', offset: at, size: c.pos - at, children });
    if (!index.value && !valid.value && !invalid.value) return out;
  }
}

export const ITERABLE_DECODERS: Record<string, IterableDecoder> = {
  's390-storage_attributes': (c, prefix) => storageAttributes(c, `${prefix}records`),
  'spapr/htab': htab,
};
