// Requests that read the open file without changing it (issue #12): the compatibility check
// against a QEMU version, and which library candidate decodes a section.

import { checkAgainst, parseTarget } from '../format/compat/run.ts';
import type { CompatReport } from '../format/compat/check.ts';
import { decodeWithCandidate, fittingCandidates, type CandidateOption } from '../format/candidate-choice.ts';
import { CancelledError } from '../format/errors.ts';
import { compatData } from './compat-fetch.ts';
import { choiceKey } from './candidate-choices.ts';
import { libraryFor } from './library-fetch.ts';
import { RequestError, type OpenFile, type Progress } from './open-file.ts';

/** Steps of a check, for the progress bar: data, reference state, sections. */
const CHECK_STEPS = 3;

export async function compatCheck(cur: OpenFile, targetText: string, signal: AbortSignal, progress: Progress): Promise<CompatReport> {
  let target;
  try {
    target = parseTarget(targetText);
  } catch (e) {
    throw new RequestError('bad-request', `Check against QEMU: ${(e as Error).message}`);
  }
  let step = 0;
  const report = await checkAgainst(cur.scan.model, (o, n) => cur.source.read(o, n), target, compatData(), { signal, progress: () => progress(step++, CHECK_STEPS) });
  if (signal.aborted) throw new CancelledError();
  progress(CHECK_STEPS, CHECK_STEPS);
  return report;
}

function section(cur: OpenFile, index: number) {
  const r = cur.scan.model.records[index];
  if (!r || r.kind !== 'section') throw new RequestError('bad-request', `Record ${index} is not a section`);
  return r;
}

export async function candidatesOf(cur: OpenFile, index: number): Promise<CandidateOption[]> {
  const r = section(cur, index);
  if (r.decodedBy !== 'bundled') return [];
  return fittingCandidates(r, cur.scan.model, cur.source, await libraryFor(cur.source), cur.choices?.get(choiceKey(r)) ?? cur.picks?.get(choiceKey(r)));
}

/** The file's scan with section `index` decoded by candidate `candidate` (same framing). */
export async function useCandidate(cur: OpenFile, index: number, candidate: number): Promise<OpenFile> {
  const r = section(cur, index);
  if (r.decodedBy !== 'bundled') throw new RequestError('bad-request', `${r.idstr} is decoded by its ${r.decodedBy ?? 'raw'} description, not by a library candidate`);
  let record;
  try {
    record = await decodeWithCandidate(r, cur.scan.model, cur.source, await libraryFor(cur.source), candidate);
  } catch (e) {
    throw new RequestError('bad-request', (e as Error).message);
  }
  const records = cur.scan.model.records.slice();
  records[index] = record;
  // Kept on the open file, so the decodes after an edit use it too (candidate-choices.ts).
  const choices = new Map(cur.choices ?? []).set(choiceKey(r), candidate);
  return { ...cur, choices, scan: { ...cur.scan, model: { ...cur.scan.model, records } } };
}
