// The bundled description libraries (made from real QEMU 7.2, 10.0 and 11.1 by
// scripts/make-vmdesc-library.mjs): field layouts for files that carry no vmdesc. A description
// reflects one runtime state, so every variant is only a candidate: the section decoder keeps
// the one whose end meets the footer or the next record. Each candidate knows the QEMU versions
// and machines that wrote it (`describedBy`), so a decoded section tells which QEMU it fits.
// How the JSON arrives (bundled, fetched, read from disk) is library-load.ts's and the callers' concern.

import type { DescriptionBody, DescriptionLibrary } from './descriptions.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';
import { writerFacts, type VmstateFacts } from './vmstate-facts.ts';

interface LibraryVariant {
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
  vmsds: Record<string, { versions: Record<string, LibraryVariant[]>; subsections?: Record<string, VmsdDesc[]> }>;
  idstrAliases?: Record<string, string | string[]>;
  oldStyle?: Record<string, { variants: { size: number; fields: VmdescField[]; seenIn?: string[] }[] }>;
  /** -dump-vmstate facts of this QEMU for the architecture's machines (vmstate-facts.ts). */
  vmstate?: VmstateFacts;
}

/** "7.2" from "7.2.22 (Debian …)". */
export const libraryVersion = (json: LibraryJson): string => json.version ?? /^(\d+\.\d+)/.exec(json.qemu)?.[1] ?? json.qemu;

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
  const jsons = Array.isArray(input) ? input : [input];
  const cache = new Map<string, DescriptionBody[]>();
  const misdescribedCache = new Map<string, string[]>();
  // Subsection names only share their owner's prefix ("apic_sipi" belongs to "apic"), so index
  // them by their full name across the library (every version: identical ones kept once).
  const pool = new Map<string, VmsdDesc[]>();
  const poolKeys = new Set<string>();
  for (const json of jsons) {
    for (const entry of Object.values(json.vmsds)) {
      for (const [name, descs] of Object.entries(entry.subsections ?? {})) {
        for (const d of descs) {
          const k = `${name}\u0000${JSON.stringify(d)}`;
          if (poolKeys.has(k)) continue;
          poolKeys.add(k);
          // The library keys subsections by name; the decoder needs the name inside each description.
          pool.set(name, [...(pool.get(name) ?? []), { ...d, vmsd_name: name }]);
        }
      }
    }
  }
  const subsectionPool = (name: string): VmsdDesc[] => pool.get(name) ?? [];
  const factsByVersion = new Map<string, VmstateFacts[]>();
  for (const json of jsons) if (json.vmstate) factsByVersion.set(libraryVersion(json), [...(factsByVersion.get(libraryVersion(json)) ?? []), json.vmstate]);
  const facts = writerFacts(factsByVersion);
  /** The vmsd names a section idstr may stand for: its last component and the libraries' aliases of it. */
  const vmsdNames = (idstr: string): string[] => {
    const last = idstr.slice(idstr.lastIndexOf('/') + 1);
    const names = new Set([last, idstr]);
    for (const json of jsons) {
      const alias = json.idstrAliases?.[last];
      for (const a of alias ? (Array.isArray(alias) ? alias : [alias]) : []) names.add(a);
    }
    return [...names];
  };
  const orders = new Map<string, string[][]>();
  for (const json of jsons) {
    for (const t of Object.values(json.targets ?? {})) if (t.sectionOrder) orders.set(libraryVersion(json), [...(orders.get(libraryVersion(json)) ?? []), t.sectionOrder]);
  }
  /** Per version, per vmsd its dump does not list: every subsection its probes sent (merged libraries of one version). */
  const sent = new Map<string, Map<string, Set<string>>>();
  for (const json of jsons) {
    const v = libraryVersion(json);
    const byVmsd = sent.get(v) ?? new Map<string, Set<string>>();
    sent.set(v, byVmsd);
    for (const [name, entry] of Object.entries(json.vmsds)) {
      if (json.vmstate?.[name]) continue; // the dump is the better witness (vmstate-facts.ts)
      const seen = byVmsd.get(name) ?? new Set<string>();
      for (const s of Object.keys(entry.subsections ?? {})) seen.add(s);
      byVmsd.set(name, seen);
    }
  }
  return {
    subsections: subsectionPool,
    neverSent(idstr, subsections) {
      const out: string[] = [];
      for (const [v, byVmsd] of sent) {
        const pools = vmsdNames(idstr).map((n) => byVmsd.get(n)).filter((p): p is Set<string> => !!p);
        if (pools.length && subsections.some((s) => !pools.some((p) => p.has(s)))) out.push(v);
      }
      return out;
    },
    alwaysSent(idstr, versionId, subsections) {
      const out: string[] = [];
      for (const json of jsons) {
        const variants = vmsdNames(idstr).flatMap((n) => json.vmsds[n]?.versions[String(versionId)] ?? []);
        if (!variants.length) continue;
        const always = variants.map((x) => new Set((x.subsections ?? []).map((s) => s.vmsd_name))).reduce((a, b) => new Set([...a].filter((s) => b.has(s))));
        if ([...always].some((s) => !subsections.includes(s))) out.push(libraryVersion(json));
      }
      return out;
    },
    misdescribed(idstr, versionId) {
      // Asked per section and version by every scan's likely-version check (version-consensus.ts):
      // a walk of the descriptions' fields each time was ~25 ms of a comparison (issue #13).
      const key = `${idstr}\u0000${versionId}`;
      const known = misdescribedCache.get(key);
      if (known) return known;
      const out = new Set<string>();
      for (const json of jsons) {
        for (const n of vmsdNames(idstr)) {
          if ((json.vmsds[n]?.versions[String(versionId)] ?? []).some((x) => misdescribes(x.fields))) out.add(libraryVersion(json));
        }
      }
      misdescribedCache.set(key, [...out]);
      return misdescribedCache.get(key)!;
    },
    sectionOrders: () => orders,
    ruledOut: (idstr, versionId, subsections) => facts.ruledOut(vmsdNames(idstr), versionId, subsections),
    candidates(idstr, versionId) {
      const key = `${idstr}\u0000${versionId}`;
      let out = cache.get(key);
      if (out) return out;
      // Identical layouts from several versions are one candidate that names them all.
      const merged = new Map<string, { body: DescriptionBody; sources: Map<string, Set<string>> }>();
      const add = (json: LibraryJson, body: DescriptionBody, seenIn: string[] | undefined) => {
        const k = JSON.stringify([body.vmsd_name, body.fields, body.subsections?.map((s) => `${s.vmsd_name}@${s.version}`)]);
        let m = merged.get(k);
        if (!m) merged.set(k, (m = { body, sources: new Map() }));
        const v = libraryVersion(json);
        const machines = m.sources.get(v) ?? new Set<string>();
        m.sources.set(v, machines);
        for (const s of seenIn ?? []) {
          const machine = json.targets?.[s.slice(0, s.indexOf(':'))]?.machine;
          if (machine) machines.add(machine);
        }
      };
      const last = idstr.slice(idstr.lastIndexOf('/') + 1);
      for (const json of jsons) {
        const alias = json.idstrAliases?.[last];
        // Some vmsd names hold a slash themselves (ppc "icp/server", "spapr/rtc"): try the whole idstr too.
        const names = [...new Set([last, idstr, ...(alias ? (Array.isArray(alias) ? alias : [alias]) : [])])];
        for (const vmsdName of names) {
          const entry = json.vmsds[vmsdName];
          if (!entry) continue;
          // Every subsection seen below this vmsd: presence depends on state, not on version.
          const subsections = Object.keys(entry.subsections ?? {}).flatMap((name) => pool.get(name) ?? []);
          for (const v of entry.versions[String(versionId)] ?? []) add(json, { vmsd_name: vmsdName, fields: v.fields, subsections }, v.seenIn);
        }
        for (const v of json.oldStyle?.[idstr]?.variants ?? []) add(json, { vmsd_name: idstr, fields: v.fields }, v.seenIn);
      }
      out = [...merged.values()].map(({ body, sources }) => ({ ...body, versions: [...sources.keys()], describedBy: label(sources) }));
      cache.set(key, out);
      return out;
    },
  };
}

