// The bundled description library (vmdesc-library/, made from real QEMU 7.2 by
// scripts/make-vmdesc-library.mjs): field layouts for files that carry no vmdesc. A description
// reflects one runtime state, so every variant is only a candidate: the section decoder keeps
// the one whose end meets the footer or the next record.

import type { DescriptionBody, DescriptionLibrary } from './descriptions.ts';
import type { VmdescField, VmsdDesc } from './vmdesc.ts';
import libraryJson from './vmdesc-library/qemu-7.2.json';

interface LibraryVariant {
  fields: VmdescField[];
  subsections?: VmsdDesc[];
}

export interface LibraryJson {
  qemu: string;
  vmsds: Record<string, { versions: Record<string, LibraryVariant[]>; subsections?: Record<string, VmsdDesc[]> }>;
  idstrAliases?: Record<string, string | string[]>;
  oldStyle?: Record<string, { variants: { size: number; fields: VmdescField[] }[] }>;
}

export function createLibrary(json: LibraryJson): DescriptionLibrary {
  const cache = new Map<string, DescriptionBody[]>();
  // Subsection names only share their owner's prefix ("apic_sipi" belongs to "apic"), so index
  // them by their full name across the library.
  const pool = new Map<string, VmsdDesc[]>();
  for (const entry of Object.values(json.vmsds)) {
    for (const [name, descs] of Object.entries(entry.subsections ?? {})) {
      // The library keys subsections by name; the decoder needs the name inside each description.
      pool.set(name, [...(pool.get(name) ?? []), ...descs.map((d) => ({ ...d, vmsd_name: name }))]);
    }
  }
  const subsectionPool = (name: string): VmsdDesc[] => pool.get(name) ?? [];
  return {
    subsections: subsectionPool,
    candidates(idstr, versionId) {
      const key = `${idstr}\u0000${versionId}`;
      let out = cache.get(key);
      if (out) return out;
      out = [];
      const last = idstr.slice(idstr.lastIndexOf('/') + 1);
      const alias = json.idstrAliases?.[last];
      const names = [last, ...(alias ? (Array.isArray(alias) ? alias : [alias]) : [])];
      for (const vmsdName of names) {
        const entry = json.vmsds[vmsdName];
        if (!entry) continue;
        // Every subsection seen below this vmsd: presence depends on state, not on version.
        const subsections = Object.keys(entry.subsections ?? {}).flatMap((name) => pool.get(name) ?? []);
        for (const v of entry.versions[String(versionId)] ?? []) out.push({ vmsd_name: vmsdName, fields: v.fields, subsections });
      }
      for (const v of json.oldStyle?.[idstr]?.variants ?? []) out.push({ vmsd_name: idstr, fields: v.fields });
      cache.set(key, out);
      return out;
    },
  };
}

let bundled: DescriptionLibrary | undefined;

export function bundledLibrary(): DescriptionLibrary {
  bundled ??= createLibrary(libraryJson as unknown as LibraryJson);
  return bundled;
}

export const BUNDLED_QEMU_VERSION = (libraryJson as { qemu: string }).qemu;
