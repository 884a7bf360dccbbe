// The description libraries' parts filed by name. A query of the library (library.ts) touches a
// handful of names: a section's vmsd name and its aliases, the subsections below it, their
// -dump-vmstate facts. Parsing all twelve libraries (3.4 MB of JSON) to answer for the thirty
// sections of one small file was most of the CLI's start-up (issue #10), so the parts are filed by
// name on a shelf: one over parsed JSON (the page, the tests) and a packed one (a single file the
// CLI build writes, src/cli/library-files.ts) that parses a name's parts only when they are asked
// for. Both hold the same parts in the same order, so the library built over either gives the same
// candidates (library-shelf.test.ts decodes every fixture both ways).

import type { LibraryJson, OldStyleEntry, VmsdEntry } from './library.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';
import type { VmstateFacts } from './vmstate-facts.ts';

/** The small parts of one library that every query needs. */
export interface LibraryHead {
  qemu: string;
  version?: string;
  targets?: LibraryJson['targets'];
  idstrAliases?: LibraryJson['idstrAliases'];
  /** The library carries -dump-vmstate facts (vmstate-facts.ts). */
  hasFacts: boolean;
}

/** What one library files under one name (a vmsd name, an old-style idstr). */
export interface NamedParts {
  vmsd?: VmsdEntry;
  oldStyle?: OldStyleEntry;
  facts?: VmstateFacts[string];
}

export interface LibraryShelf {
  /** One per library, in the index's order (the order candidates are merged in). */
  readonly heads: readonly LibraryHead[];
  /** Per library (the order of `heads`), what it files under `name`. */
  named(name: string): readonly (NamedParts | undefined)[];
  /** Every subsection description called `name`: library by library, each in its vmsds' order, repeats kept. */
  subsectionDescs(name: string): readonly VmsdDesc[];
}

/** `o[k]` if `o` has it as its own: names come from the file ("constructor" is a fine idstr). */
export const own = <T>(o: Record<string, T> | undefined, k: string): T | undefined => (o && Object.hasOwn(o, k) ? o[k] : undefined);

interface Filed {
  heads: LibraryHead[];
  named: Map<string, (NamedParts | undefined)[]>;
  subs: Map<string, VmsdDesc[]>;
}

function fileByName(jsons: LibraryJson[]): Filed {
  const heads = jsons.map((j): LibraryHead => ({ qemu: j.qemu, version: j.version, targets: j.targets, idstrAliases: j.idstrAliases, hasFacts: !!j.vmstate }));
  const named = new Map<string, (NamedParts | undefined)[]>();
  const slot = (name: string, i: number): NamedParts => {
    let row = named.get(name);
    if (!row) named.set(name, (row = new Array<NamedParts | undefined>(jsons.length).fill(undefined)));
    return (row[i] ??= {});
  };
  const subs = new Map<string, VmsdDesc[]>();
  jsons.forEach((j, i) => {
    for (const [name, entry] of Object.entries(j.vmsds)) {
      slot(name, i).vmsd = entry;
      for (const [sub, descs] of Object.entries(entry.subsections ?? {})) {
        let list = subs.get(sub);
        if (!list) subs.set(sub, (list = []));
        list.push(...descs);
      }
    }
    for (const [name, e] of Object.entries(j.oldStyle ?? {})) slot(name, i).oldStyle = e;
    for (const [name, f] of Object.entries(j.vmstate ?? {})) slot(name, i).facts = f;
  });
  return { heads, named, subs };
}

const NONE = Object.freeze([]) as never[];

/** A shelf over parsed libraries (the order of `jsons` is the merge order). */
export function jsonShelf(jsons: LibraryJson[]): LibraryShelf {
  const { heads, named, subs } = fileByName(jsons);
  return { heads, named: (n) => named.get(n) ?? NONE, subsectionDescs: (n) => subs.get(n) ?? NONE };
}

// The packed shelf: "VMSHELF2", a 32-bit little-endian length, a JSON header (the heads, `check`,
// where each name's parts lie, where each field layout lies), then the slices: one JSON text per
// name, per field layout, per subsection name. Offsets count from the end of the header; every
// slice is read and parsed when first asked for.
// The layouts are kept once each: of the 2.7 MB of `fields` the twelve libraries hold, 1 MB is
// distinct (a layout most versions and machines share, piix4_pm's 70 KB one variant per -smp), so
// a name's row holds layout numbers and a variant's fields are parsed when a query reads them: a
// section of version 22 never parses the layouts of versions 4, 5 and 12 filed under its name.
const MAGIC = 'VMSHELF2';

interface PackHeader {
  heads: LibraryHead[];
  /** What the packer was given to check it against (the CLI: the library index's entries). */
  check: unknown;
  names: [string, number, number][];
  subs: [string, number, number][];
  layouts: [number, number][];
}

/** A variant as the pack files it: its fields are the number of a layout. */
type PackedVariant = { fields: number };

/** Packs `jsons` into one file's bytes; `check` is kept in it for packedShelf's caller to compare. */
export function packShelf(jsons: LibraryJson[], check: unknown = null): Uint8Array {
  const { heads, named, subs } = fileByName(jsons);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let at = 0;
  const putText = (json: string): [number, number] => {
    const b = enc.encode(json);
    parts.push(b);
    at += b.length;
    return [at - b.length, b.length];
  };
  const put = (value: unknown) => putText(JSON.stringify(value));
  const layoutIds = new Map<string, number>();
  const layoutTexts: string[] = [];
  const layoutOf = (fields: unknown): number => {
    const t = JSON.stringify(fields);
    let id = layoutIds.get(t);
    if (id === undefined) layoutIds.set(t, (id = layoutTexts.push(t) - 1));
    return id;
  };
  const packVariants = <V extends { fields: unknown }>(vs: V[]) => vs.map((v) => ({ ...v, fields: layoutOf(v.fields) }));
  const packParts = (p: NamedParts | undefined) => {
    if (!p) return null;
    const vmsd = p.vmsd && { ...p.vmsd, versions: Object.fromEntries(Object.entries(p.vmsd.versions).map(([v, vs]) => [v, packVariants(vs)])) };
    const oldStyle = p.oldStyle && { ...p.oldStyle, variants: packVariants(p.oldStyle.variants) };
    return { ...p, ...(vmsd && { vmsd }), ...(oldStyle && { oldStyle }) };
  };
  const names = [...named].map(([n, row]): [string, number, number] => [n, ...put(row.map(packParts))]);
  const layouts = layoutTexts.map(putText);
  // Subsections last: a pack cut short shows in the slices read last.
  const header: PackHeader = { heads, check, names, layouts, subs: [...subs].map(([n, descs]) => [n, ...put(descs)]) };
  const head = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + head.length + at);
  out.set(enc.encode(MAGIC));
  new DataView(out.buffer).setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  let o = MAGIC.length + 4 + head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The shelf in a packed file, read through `read(offset, length)` (the bytes there; fewer at the
 * file's end), and the `check` it was packed with. Throws on a file that is not one.
 */
export function packedShelf(read: (offset: number, length: number) => Uint8Array): { shelf: LibraryShelf; check: unknown } {
  const dec = new TextDecoder();
  const lead = read(0, MAGIC.length + 4);
  if (lead.length < MAGIC.length + 4 || dec.decode(lead.subarray(0, MAGIC.length)) !== MAGIC) throw new Error(`not a packed library: no ${MAGIC} at offset 0`);
  const headLen = new DataView(lead.buffer, lead.byteOffset, lead.byteLength).getUint32(MAGIC.length, true);
  const base = MAGIC.length + 4 + headLen;
  const text = (at: number, len: number): string => {
    const b = read(at, len);
    if (b.length !== len) throw new Error(`packed library cut short: ${len} bytes needed at ${at}, ${b.length} there`);
    return dec.decode(b);
  };
  const header = JSON.parse(text(MAGIC.length + 4, headLen)) as PackHeader;
  const slices = (list: [string, number, number][]) => new Map(list.map(([n, off, len]) => [n, [base + off, len] as const]));
  const names = slices(header.names);
  const subs = slices(header.subs);
  const parsed = new Map<string, unknown>();
  const layouts = new Map<number, VmdescField[]>();
  const layout = (id: number): VmdescField[] => {
    let f = layouts.get(id);
    if (!f) {
      const s = header.layouts[id];
      if (!s) throw new Error(`packed library damaged: no field layout ${id}`);
      layouts.set(id, (f = JSON.parse(text(base + s[0], s[1])) as VmdescField[]));
    }
    return f;
  };
  /** A variant's fields, parsed from its layout when first read (then a plain property). */
  const unpack = (vs: PackedVariant[] | undefined) => {
    for (const v of vs ?? []) {
      const id = v.fields;
      Object.defineProperty(v, 'fields', {
        configurable: true,
        enumerable: true,
        get() {
          const fields = layout(id);
          Object.defineProperty(v, 'fields', { value: fields, writable: true, enumerable: true, configurable: true });
          return fields;
        },
      });
    }
  };
  const lookUp = <T>(where: Map<string, readonly [number, number]>, kind: string, name: string, none: T, shape: (parsed: T) => T = (x) => x): T => {
    const key = `${kind}\u0000${name}`;
    if (parsed.has(key)) return parsed.get(key) as T;
    const s = where.get(name);
    const v = s ? shape(JSON.parse(text(s[0], s[1])) as T) : none;
    parsed.set(key, v);
    return v;
  };
  // JSON has no undefined: a library without the name is null in the file.
  const absentAsUndefined = (row: (NamedParts | undefined)[]) =>
    row.map((p) => {
      for (const vs of Object.values(p?.vmsd?.versions ?? {})) unpack(vs as unknown as PackedVariant[]);
      unpack(p?.oldStyle?.variants as unknown as PackedVariant[] | undefined);
      return p ?? undefined;
    });
  return {
    check: header.check,
    shelf: {
      heads: header.heads,
      named: (n) => lookUp<(NamedParts | undefined)[]>(names, 'n', n, NONE, absentAsUndefined),
      subsectionDescs: (n) => lookUp(subs, 's', n, NONE),
    },
  };
}
