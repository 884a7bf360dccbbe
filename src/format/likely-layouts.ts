// Each section read with the layout of the QEMU that likely wrote the file (issue #12). The scan
// decodes a section without a description by the first library candidate whose end fits, and
// layouts of several versions often frame the same bytes: QEMU 10.0's globalstate carves
// vm_was_suspended out of bytes 7.2 sent as part of `runstate`, 10.0's pl011 names a leaf 7.2 does
// not. The first fit is then 7.2's reading of 10.0's bytes: the framing is right, the names and
// values are not. Once the scan has settled the file's likely QEMU (version-consensus.ts), every
// library-decoded section whose layout none of the likely versions wrote is decoded again with the
// first candidate of the newest likely version that frames it exactly as now (candidate-choice.ts),
// else of the next: the framing and so the rest of the model stay as they are, and a candidate that
// does not fit, or fits only with an error, is passed over (the section keeps its first fit and
// says which QEMU's it is). A section already read with one likely version's layout keeps it: where
// the file cannot tell its versions apart ("10.0 or 7.2": QEMU 7.2's Xen-framed pc files, with
// every architecture's library, as the CLI reads them), re-reading 7.2's sections with 10.0's
// layouts would trade a right reading for a guess.

import type { ByteSource } from './byte-source.ts';
import { decodeWithCandidate, libraryCandidates } from './candidate-choice.ts';
import type { DescriptionLibrary } from './descriptions.ts';
import type { StreamModel, StreamRecord } from './model.ts';
import { byNewest } from './version-consensus.ts';

/** One section decoded again: the record's index and the candidate used (CandidateOption.id). */
export interface LikelyPick {
  index: number;
  candidate: number;
}

/** The versions whose layouts the sections should be read with, the newest first. */
export function likelyVersions(model: StreamModel): string[] {
  return [...(model.likelyQemu ?? [])].sort(byNewest);
}

const errors = (r: StreamRecord) => r.problems.filter((p) => p.severity === 'error').length;

/**
 * Section `r` decoded with the first candidate of the first version of `versions` that frames it
 * as now and adds no error; null when none does.
 */
async function pickFor(r: StreamRecord, model: StreamModel, source: ByteSource, library: DescriptionLibrary, versions: string[]): Promise<{ record: StreamRecord; candidate: number } | null> {
  const cands = [...libraryCandidates(r, library).entries()];
  const tried = new Set<number>();
  for (const v of versions) {
    for (const [id, cand] of cands) {
      if (!cand.body.versions?.includes(v) || tried.has(id)) continue;
      tried.add(id);
      let record: StreamRecord;
      try {
        record = await decodeWithCandidate(r, model, source, library, id);
      } catch {
        continue; // it would end elsewhere: not this file's layout after all
      }
      if (errors(record) <= errors(r)) return { record, candidate: id };
    }
  }
  return null;
}

/**
 * `model` with its library-decoded sections read with the likely version's layouts where the first
 * fit was another version's, and which sections were read again. The same model when none was.
 */
export async function likelyLayouts(model: StreamModel, source: ByteSource, library: DescriptionLibrary | undefined): Promise<{ model: StreamModel; picks: LikelyPick[] }> {
  const versions = likelyVersions(model);
  if (!library || !versions.length) return { model, picks: [] };
  let records: StreamRecord[] | null = null;
  const picks: LikelyPick[] = [];
  for (const [i, r] of model.records.entries()) {
    // Only sections whose layout no likely version wrote: the rest cost nothing.
    if (r.kind !== 'section' || r.decodedBy !== 'bundled' || !r.describedVersions || r.describedVersions.some((v) => versions.includes(v))) continue;
    if (r.sectionType !== 'full' && r.sectionType !== 'start') continue;
    const got = await pickFor(r, model, source, library, versions);
    if (!got) continue;
    (records ??= model.records.slice())[i] = got.record;
    picks.push({ index: i, candidate: got.candidate });
  }
  if (!records) return { model, picks };
  // The model's problems are its records' followed by the stream's own (scan.ts run()).
  const own = model.problems.filter((p) => !model.records.some((r) => r.problems.includes(p)));
  return { model: { ...model, records, problems: [...records.flatMap((r) => r.problems), ...own] }, picks };
}
