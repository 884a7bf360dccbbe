// The bundled description libraries (made from real QEMU 7.2, 10.0 and 11.1 by
// scripts/make-vmdesc-library.mjs): field layouts for files that carry no vmdesc. A description
// reflects one runtime state, so every variant is only a candidate: the section decoder keeps
// the one whose end meets the footer or the next record. Each candidate knows the QEMU versions
// and machines that wrote it (`describedBy`), so a decoded section tells which QEMU it fits.
// How the JSON arrives (bundled, fetched, read from disk) is library-load.ts's and the callers'
// concern; how its parts are found by name is library-shelf.ts's.

import type { DescriptionBody, DescriptionLibrary } from './descriptions.ts';
import { jsonShelf, own, type LibraryHead, type LibraryShelf } from './library-shelf.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';
import { writerFacts, type VmstateFacts } from './vmstate-facts.ts';

export interface LibraryVariant {
  fields: VmdescField[];
  subsections?: VmsdDesc[];
  /** `<target>:<probe>`, e.g. "x86_64-q35:(base)" (see vmdesc-library/README.md). */
  seenIn?: string[];
}

export interface LibraryJson {
  qemu: string;
  /** "10.0"; older files only have `qemu` ("7.2.22 (Debian …)"). */
  version?: string;
  /** Per probe target: the machine type and, from its bare-machine probe, the order of its sections (by vmsd name). */
  targets?: Record<string, { machine: string | null; sectionOrder?: string[] }>;
  vmsds: Record<string, VmsdEntry>;
  idstrAliases?: Record<string, string | string[]>;
  oldStyle?: Record<string, OldStyleEntry>;
  /** -dump-vmstate facts of this QEMU for the architecture's machines (vmstate-facts.ts). */
  vmstate?: VmstateFacts;
}

export interface VmsdEntry { versions: Record<string, LibraryVariant[]>; subsections?: Record<string, VmsdDesc[]> }
export interface OldStyleEntry { variants: { size: number; fields: VmdescField[]; seenIn?: string[] }[] }

/** "7.2" from "7.2.22 (Debian …)". */
export const libraryVersion = (json: Pick<LibraryJson, 'qemu' | 'version'>): string => json.version ?? /^(\d+\.\d+)/.exec(json.qemu)?.[1] ?? json.qemu;

/**
 * QEMU before 10.0 described an array of pointers whose first element is NULL as `array_len` empty
 * structs of one byte: the JSON writer opened the field with the first element, the NULL marker
 * (vmstate_info_nullptr) writes no JSON, and the rest of the array was folded into that element
 * (migration/vmstate.c vmstate_save_state_v, vmsd_can_compress). The bytes hold the real elements
 * (s390x's s390_css `css`: 254 markers, one 768-byte image, a marker), so such a layout frames
 * nothing and says nothing about which version wrote a file. 10.0 writes "nullptr" entries instead.
 */
function misdescribes(fields: VmdescField[] | undefined): boolean {
  return (fields ?? []).some((f) => (f.type === 'struct' && f.struct && !f.struct.fields) || misdescribes(f.struct?.fields) || misdescribes(f.fields));
}

/** The versions and machines behind one merged candidate, as the page shows them. */
function label(sources: Map<string, Set<string>>): string {
  return [...sources].map(([v, machines]) => (machines.size ? `QEMU ${v}, ${[...machines].join(', ')}` : `QEMU ${v}`)).join('; ');
}

export function createLibrary(input: LibraryJson | LibraryJson[]): DescriptionLibrary {
  return libraryFromShelf(jsonShelf(Array.isArray(input) ? input : [input]));
}

/**
 * The library over a shelf (library-shelf.ts): what a query needs is asked of the shelf by name, so
 * a shelf that reads each name's parts on demand (the CLI's packed file) gives the same candidates,
 * in the same order, as one holding every library parsed.
 */
export function libraryFromShelf(shelf: LibraryShelf): DescriptionLibrary {
  const { heads } = shelf;
  // The packed shelf hands out one array per distinct layout, shared by the variants of every
  // version and machine that wrote it: its text (the merge key below) is made once.
  const texts = new WeakMap<object, string>();
  const fieldsText = (fields: VmdescField[] | undefined): string => {
    if (!fields) return '';
    let t = texts.get(fields);
    if (t === undefined) texts.set(fields, (t = JSON.stringify(fields)));
    return t;
  };
  const cache = new Map<string, DescriptionBody[]>();
  const misdescribedCache = new Map<string, string[]>();
  // Subsection names only share their owner's prefix ("apic_sipi" belongs to "apic"), so they are
  // pooled by their full name across the library (every version: identical ones kept once).
  const pool = new Map<string, VmsdDesc[]>();
  const subsectionPool = (name: string): VmsdDesc[] => {
    let out = pool.get(name);
    if (out) return out;
    out = [];
    const seen = new Set<string>();
    for (const d of shelf.subsectionDescs(name)) {
      const k = JSON.stringify(d);
      if (seen.has(k)) continue;
      seen.add(k);
      // The library keys subsections by name; the decoder needs the name inside each description.
      out.push({ ...d, vmsd_name: name });
    }
    pool.set(name, out);
    return out;
  };
  const factsByVersion = new Map<string, ((vmsdName: string) => VmstateFacts[string] | undefined)[]>();
  heads.forEach((h, i) => {
    if (!h.hasFacts) return;
    const v = libraryVersion(h);
    factsByVersion.set(v, [...(factsByVersion.get(v) ?? []), (name) => shelf.named(name)[i]?.facts]);
  });
  const facts = writerFacts(factsByVersion);
  const aliasesOf = (h: LibraryHead, last: string): string[] => {
    const alias = own(h.idstrAliases, last);
    return alias ? (Array.isArray(alias) ? alias : [alias]) : [];
  };
  /** The vmsd names a section idstr may stand for: its last component and the libraries' aliases of it. */
  const vmsdNames = (idstr: string): string[] => {
    const last = idstr.slice(idstr.lastIndexOf('/') + 1);
    const names = new Set([last, idstr]);
    for (const h of heads) for (const a of aliasesOf(h, last)) names.add(a);
    return [...names];
  };
  const orders = new Map<string, string[][]>();
  for (const h of heads) {
    for (const t of Object.values(h.targets ?? {})) if (t.sectionOrder) orders.set(libraryVersion(h), [...(orders.get(libraryVersion(h)) ?? []), t.sectionOrder]);
  }
  /** Each library's variants of `idstr`'s vmsds at `versionId`, by library (the order of `heads`). */
  const variantsOf = (idstr: string, versionId: number, i: number): LibraryVariant[] =>
    vmsdNames(idstr).flatMap((n) => own(shelf.named(n)[i]?.vmsd?.versions, String(versionId)) ?? []);
  return {
    subsections: subsectionPool,
    neverSent(idstr, subsections) {
      // Per version, every subsection its probes sent below the vmsds its dump does not list (the
      // dump is the better witness there, vmstate-facts.ts); merged over that version's libraries.
      const sent = new Map<string, Set<string>>();
      for (const n of vmsdNames(idstr)) {
        shelf.named(n).forEach((parts, i) => {
          const v = libraryVersion(heads[i]);
          if (!sent.has(v)) sent.set(v, new Set());
          if (!parts?.vmsd || parts.facts) return;
          const seen = sent.get(v)!;
          seen.add(`\u0000${n}`); // this version has a pool for the section
          for (const s of Object.keys(parts.vmsd.subsections ?? {})) seen.add(s);
        });
      }
      const out: string[] = [];
      for (const h of heads) {
        const v = libraryVersion(h);
        const seen = sent.get(v);
        if (!seen || out.includes(v) || ![...seen].some((s) => s.startsWith('\u0000'))) continue;
        if (subsections.some((s) => !seen.has(s))) out.push(v);
      }
      return out;
    },
    alwaysSent(idstr, versionId, subsections) {
      const out: string[] = [];
      heads.forEach((h, i) => {
        const variants = variantsOf(idstr, versionId, i);
        if (!variants.length) return;
        const always = variants.map((x) => new Set((x.subsections ?? []).map((s) => s.vmsd_name))).reduce((a, b) => new Set([...a].filter((s) => b.has(s))));
        if ([...always].some((s) => !subsections.includes(s))) out.push(libraryVersion(h));
      });
      return out;
    },
    misdescribed(idstr, versionId) {
      // Asked per section and version by every scan's likely-version check (version-consensus.ts):
      // a walk of the descriptions' fields each time was ~25 ms of a comparison (issue #13).
      const key = `${idstr}\u0000${versionId}`;
      let out = misdescribedCache.get(key);
      if (!out) {
        const found = new Set<string>();
        heads.forEach((h, i) => {
          if (variantsOf(idstr, versionId, i).some((x) => misdescribes(x.fields))) found.add(libraryVersion(h));
        });
        misdescribedCache.set(key, (out = [...found]));
      }
      return out;
    },
    sectionOrders: () => orders,
    ruledOut: (idstr, versionId, subsections) => facts.ruledOut(vmsdNames(idstr), versionId, subsections),
    candidates(idstr, versionId) {
      const key = `${idstr}\u0000${versionId}`;
      let out = cache.get(key);
      if (out) return out;
      // Identical layouts from several versions are one candidate that names them all.
      const merged = new Map<string, { body: DescriptionBody; sources: Map<string, Set<string>> }>();
      const add = (h: LibraryHead, body: DescriptionBody, seenIn: string[] | undefined) => {
        const k = JSON.stringify([body.vmsd_name, body.subsections?.map((s) => `${s.vmsd_name}@${s.version}`)]) + fieldsText(body.fields);
        let m = merged.get(k);
        if (!m) merged.set(k, (m = { body, sources: new Map() }));
        const v = libraryVersion(h);
        const machines = m.sources.get(v) ?? new Set<string>();
        m.sources.set(v, machines);
        for (const s of seenIn ?? []) {
          const machine = own(h.targets, s.slice(0, s.indexOf(':')))?.machine;
          if (machine) machines.add(machine);
        }
      };
      const last = idstr.slice(idstr.lastIndexOf('/') + 1);
      heads.forEach((h, i) => {
        // Some vmsd names hold a slash themselves (ppc "icp/server", "spapr/rtc"): try the whole idstr too.
        const names = [...new Set([last, idstr, ...aliasesOf(h, last)])];
        for (const vmsdName of names) {
          const entry = shelf.named(vmsdName)[i]?.vmsd;
          if (!entry) continue;
          // Every subsection seen below this vmsd: presence depends on state, not on version.
          const subsections = Object.keys(entry.subsections ?? {}).flatMap(subsectionPool);
          for (const v of own(entry.versions, String(versionId)) ?? []) add(h, { vmsd_name: vmsdName, fields: v.fields, subsections }, v.seenIn);
        }
        for (const v of shelf.named(idstr)[i]?.oldStyle?.variants ?? []) add(h, { vmsd_name: idstr, fields: v.fields }, v.seenIn);
      });
      out = [...merged.values()].map(({ body, sources }) => ({ ...body, versions: [...sources.keys()], describedBy: label(sources) }));
      cache.set(key, out);
      return out;
    },
  };
}
