// Which QEMU versions could have written a section, from their `-dump-vmstate` facts (packed into
// each library by scripts/pack-vmdesc-library.mjs, scripts/library/vmstate-facts.mjs). QEMU writes
// a section with its vmsd's version_id (migration/savevm.c save_section_header:
// `qemu_put_be32(f, se->version_id)`), and a subsection only when its vmsd lists it
// (migration/vmstate.c vmstate_subsection_save walks vmsd->subsections). So a section whose version
// id differs from version V's version_id for that vmsd, or that carries a subsection V's vmsd does
// not list, was not written by QEMU V; a vmsd V's dump lacks while another version's has it is a
// section only the other version has. -dump-vmstate lists device types only: sections QEMU registers
// otherwise (ram, timer, spapr machine state) appear in no dump and tell nothing.

/** vmsd name → distinct [version_id, minimum_version_id, subsection names] of one QEMU version. */
export type VmstateFacts = Record<string, [number, number, string[]][]>;

export interface WriterFacts {
  /**
   * The versions whose dump rules out writing a section of vmsd `names` (aliases) with this version
   * id and these subsections. A version whose dump lacks the vmsd is not ruled out: the dump lists
   * device classes only (QEMU 7.2's lacks piix3-ide's "ide", which its files carry).
   */
  ruledOut(names: string[], versionId: number, subsections: string[]): string[];
}

/** `byVersion`: per QEMU version, one lookup per library of that version (vmsd name → its facts). */
export function writerFacts(byVersion: Map<string, ((vmsdName: string) => VmstateFacts[string] | undefined)[]>): WriterFacts {
  return {
    ruledOut(names, versionId, subsections) {
      const out: string[] = [];
      for (const [version, all] of byVersion) {
        const facts = all.flatMap((f) => names.flatMap((n) => f(n) ?? []));
        if (facts.length && !facts.some(([v, , subs]) => v === versionId && subsections.every((s) => subs.includes(s)))) out.push(version);
      }
      return out;
    },
  };
}
