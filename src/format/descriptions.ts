// Where a section's field layout comes from, in order of trust (issue #2): the vmdesc embedded in
// the stream, a description the user supplied, the bundled library made from real QEMU 7.2.

import type { DescriptionSource } from './model.ts';
import type { Vmdesc, VmdescDevice, VmdescField, VmsdDesc } from './vmdesc.ts';

export interface DescriptionBody {
  vmsd_name?: string;
  fields?: VmdescField[];
  subsections?: VmsdDesc[];
  /** Bundled library: the QEMU versions whose probes wrote this layout ("10.0") and, for people, with machines. */
  versions?: string[];
  describedBy?: string;
}

export interface DescriptionCandidate {
  source: DescriptionSource;
  body: DescriptionBody;
  /** The description was written for this very stream: check its sizes strictly. */
  strict: boolean;
  /** More subsection descriptions to try when a subsection is not in `body` (bundled library). */
  subsections?: (name: string) => VmsdDesc[];
}

/** Bundled descriptions: every variant seen for a section name and version. */
export interface DescriptionLibrary {
  candidates(idstr: string, versionId: number): DescriptionBody[];
  /** Every description seen for a subsection name (nested structs' subsections included). */
  subsections?(name: string): VmsdDesc[];
  /** QEMU versions whose -dump-vmstate rules out writing a section with this version id and subsections. */
  ruledOut?(idstr: string, versionId: number, subsections: string[]): string[];
  /** Per QEMU version, the section orders (vmsd names) its bare machines wrote. */
  sectionOrders?(): Map<string, string[][]>;
  /** QEMU versions whose probes never sent one of these subsections in this section, where their -dump-vmstate is silent. */
  neverSent?(idstr: string, subsections: string[]): string[];
  /** QEMU versions every probe of which sent, in this section, a subsection missing from `subsections`. */
  alwaysSent?(idstr: string, versionId: number, subsections: string[]): string[];
  /** QEMU versions whose own JSON misdescribes this section (writer-evidence/library.ts): their layouts prove nothing. */
  misdescribed?(idstr: string, versionId: number): string[];
}

export class DeviceIndex {
  private readonly byKey = new Map<string, VmdescDevice>();
  constructor(readonly desc: Vmdesc) {
    for (const d of desc.devices) this.byKey.set(`${d.name}\u0000${d.instance_id}`, d);
  }
  get(idstr: string, instanceId: number): VmdescDevice | undefined {
    return this.byKey.get(`${idstr}\u0000${instanceId}`);
  }
}

export function deviceBody(d: VmdescDevice): DescriptionBody {
  return { vmsd_name: d.vmsd_name ?? d.name, fields: d.fields ?? [], subsections: d.subsections ?? [] };
}

export function descriptionCandidates(
  idstr: string,
  instanceId: number,
  versionId: number,
  sources: { embedded?: DeviceIndex; supplied?: DeviceIndex; library?: DescriptionLibrary },
): DescriptionCandidate[] {
  const out: DescriptionCandidate[] = [];
  const e = sources.embedded?.get(idstr, instanceId);
  if (e) out.push({ source: 'vmdesc', body: deviceBody(e), strict: true });
  const s = sources.supplied?.get(idstr, instanceId);
  if (s && (s.version === undefined || s.version === versionId)) out.push({ source: 'supplied', body: deviceBody(s), strict: false });
  const lib = sources.library;
  for (const body of lib?.candidates(idstr, versionId) ?? []) out.push({ source: 'bundled', body, strict: false, subsections: lib?.subsections?.bind(lib) });
  return out;
}

/**
 * The CONFIGURATION record as a description (migration/savevm.c vmstate_configuration and its
 * subsections). QEMU ≥ 8.2 also puts it into the vmdesc; the layout is the same.
 */
export const CONFIGURATION_BODY: DescriptionBody = {
  vmsd_name: 'configuration',
  fields: [
    { name: 'len', type: 'uint32', size: 4 },
    { name: 'name', type: 'buffer', size: 0, size_from: 'len' },
  ],
  subsections: [
    { vmsd_name: 'configuration/target-page-bits', version: 1, fields: [{ name: 'target_page_bits', type: 'uint32', size: 4 }] },
    {
      vmsd_name: 'configuration/capabilities',
      version: 1,
      fields: [
        { name: 'caps_count', type: 'uint32', size: 4 },
        { name: 'capabilities', type: 'capability', size: 0, array_len_from: 'caps_count' },
      ],
    },
    { vmsd_name: 'configuration/uuid', version: 1, fields: [{ name: 'uuid', type: 'buffer', size: 16 }] },
  ],
};
