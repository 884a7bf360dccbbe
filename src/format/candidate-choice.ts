// Which bundled description decodes a section, chosen by the person (issue #12): a section of a
// file without its own description is decoded by the first library candidate that fits (footer,
// next header, exact end), and layouts of several QEMU versions often fit the same bytes. These
// list the candidates that frame the section exactly as it is framed now, and decode it again
// with the one chosen. The framing never changes, so the rest of the model stays valid: the
// choice is a way of reading the bytes, not a change to them.

import type { ByteSource } from './byte-source.ts';
import { descriptionCandidates, type DescriptionCandidate, type DescriptionLibrary } from './descriptions.ts';
import { DecodeError } from './errors.ts';
import { sectionLabel, type StreamModel, type StreamRecord } from './model.ts';
import { decodeSectionData, type SectionData } from './section-decoder.ts';
import { WindowReader } from './window-reader.ts';

export interface CandidateOption {
  /** The candidate's place among the section's library candidates: how it is chosen. */
  id: number;
  /** "QEMU 10.0, pc-q35-10.0"; layouts written by the same versions are told apart by " (layout N)". */
  describedBy: string;
  versions: string[];
  /** The candidate decoding the section now. */
  current: boolean;
}

/** Room after a section's data for its footer or the next header (the decoder looks there). */
const LOOKAHEAD = 4096;

/** Section `r`'s library candidates, in the library's order: CandidateOption.id is the place in this list. */
export function libraryCandidates(r: StreamRecord, library: DescriptionLibrary): DescriptionCandidate[] {
  if (r.kind !== 'section' || r.idstr === undefined || r.versionId === undefined || r.dataOffset === undefined) return [];
  if (r.sectionType !== 'full' && r.sectionType !== 'start') return [];
  return descriptionCandidates(r.idstr, r.instanceId ?? 0, r.versionId, { library }).filter((c) => c.body.describedBy);
}

/** Decodes `r` with `cand` alone; the result only if it ends where `r`'s data ends, as exactly. */
async function tryCandidate(r: StreamRecord, model: StreamModel, source: ByteSource, cand: DescriptionCandidate): Promise<SectionData | null> {
  const size = r.dataSize ?? 0;
  const reader = new WindowReader(source, size + LOOKAHEAD);
  const win = await reader.at(r.dataOffset!, size + LOOKAHEAD);
  const knownIds = new Set(model.records.filter((x) => x.sectionType === 'start' && x.sectionId !== undefined).map((x) => x.sectionId!));
  try {
    const d = decodeSectionData(win, r.dataOffset!, r.sectionId!, { idstr: r.idstr!, instanceId: r.instanceId ?? 0 }, [cand], { footers: model.footers ?? null, knownIds });
    return d.decodedBy === 'bundled' && d.dataEnd === r.dataOffset! + size && d.exact === (r.exact ?? false) ? d : null;
  } catch (e) {
    if (e instanceof DecodeError) return null; // this layout does not fit these bytes
    throw e;
  }
}

/**
 * The library candidates that frame section `r` as it is framed now, in the library's order.
 * `chosen`: the candidate picked before; otherwise the scan's own pick, the first that fits.
 */
export async function fittingCandidates(r: StreamRecord, model: StreamModel, source: ByteSource, library: DescriptionLibrary, chosen?: number): Promise<CandidateOption[]> {
  const out: CandidateOption[] = [];
  const all = libraryCandidates(r, library);
  for (const [id, cand] of all.entries()) {
    if (!(await tryCandidate(r, model, source, cand))) continue;
    const label = cand.body.describedBy!;
    const twins = all.filter((c) => c.body.describedBy === label);
    const describedBy = twins.length > 1 ? `${label} (layout ${twins.indexOf(cand) + 1})` : label;
    out.push({ id, describedBy, versions: cand.body.versions ?? [], current: chosen === undefined ? out.length === 0 : chosen === id });
  }
  return out;
}

/** `r` decoded with candidate `id` (CandidateOption.id); an error saying why when it does not fit. */
export async function decodeWithCandidate(r: StreamRecord, model: StreamModel, source: ByteSource, library: DescriptionLibrary, id: number): Promise<StreamRecord> {
  const cand = libraryCandidates(r, library)[id];
  if (!cand) throw new Error(`No library description #${id} for ${sectionLabel(r.idstr ?? '?', r.instanceId ?? 0)} version ${r.versionId}`);
  const d = await tryCandidate(r, model, source, cand);
  if (!d) throw new Error(`"${cand.body.describedBy}" does not frame ${sectionLabel(r.idstr!, r.instanceId ?? 0)} as its bytes are framed (it would end elsewhere)`);
  return { ...r, fields: d.fields, vmsdName: d.vmsdName, describedBy: d.describedBy, describedVersions: d.describedVersions, problems: d.problems, heuristic: d.heuristic || undefined };
}
