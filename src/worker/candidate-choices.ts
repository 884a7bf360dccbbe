// The library candidates a person chose with "Other descriptions…" (issue #12), kept across the
// decodes an edit makes. An edit decodes the file again (edit-ops.ts, quick-rescan.ts), and a fresh
// decode takes the first candidate that fits: the choice would be forgotten, and the section would
// change its fields under the person's eyes. So the open file keeps its choices by section (idstr
// and instance id: one full/start section each) and every decode after an edit applies them again.
// A choice that no longer frames its section (the edit changed its bytes so) is dropped, and the
// section says so instead of silently going back.
// Before the person's choices, every decode for the page reads each section with the layout of the
// file's likely QEMU version (format/likely-layouts.ts): those picks are the defaults a choice
// overrides, worked out again after every decode, so they follow the file as the choices do.

import type { ByteSource } from '../format/byte-source.ts';
import { decodeWithCandidate } from '../format/candidate-choice.ts';
import { likelyLayouts } from '../format/likely-layouts.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { makeProblem } from '../format/errors.ts';
import { sectionLabel, type StreamModel, type StreamRecord } from '../format/model.ts';

/** Section key → the chosen candidate's id (CandidateOption.id). */
export type Choices = ReadonlyMap<string, number>;

export const choiceKey = (r: StreamRecord): string => `${r.idstr}\u0000${r.instanceId ?? 0}`;

const choosable = (r: StreamRecord) => r.kind === 'section' && (r.sectionType === 'full' || r.sectionType === 'start') && r.decodedBy === 'bundled';

/** `model` with every choice applied again, and the choices that still hold. */
export async function applyChoices(model: StreamModel, source: ByteSource, choices: Choices | undefined, library: DescriptionLibrary): Promise<{ model: StreamModel; choices: Choices | undefined }> {
  if (!choices?.size) return { model, choices };
  const records = model.records.slice();
  const kept = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const id = choosable(r) ? choices.get(choiceKey(r)) : undefined;
    if (id === undefined) continue;
    try {
      records[i] = await decodeWithCandidate(r, model, source, library, id);
      kept.set(choiceKey(r), id);
    } catch (e) {
      const why = `the description chosen for ${sectionLabel(r.idstr!, r.instanceId ?? 0)} (library candidate #${id}) no longer fits after the edit: ${(e as Error).message}; decoded with the likely QEMU version's description, or the first that fits`;
      records[i] = { ...r, problems: [...r.problems, makeProblem('description-mismatch', r.dataOffset ?? r.offset, why)] };
    }
  }
  const problems = records.flatMap((r) => r.problems).concat(model.problems.filter((p) => !model.records.some((r) => r.problems.includes(p))));
  return { model: { ...model, records, problems }, choices: kept };
}

/**
 * The model as the page shows it: sections read with the likely QEMU version's layouts, then the
 * person's choices applied again. `picks`: the candidates the likely version gave (section key → id).
 */
export async function forPerson(model: StreamModel, source: ByteSource, choices: Choices | undefined, library: DescriptionLibrary): Promise<{ model: StreamModel; choices: Choices | undefined; picks: Choices | undefined }> {
  const likely = await likelyLayouts(model, source, library);
  const picks = likely.picks.length ? new Map(likely.picks.map((p) => [choiceKey(model.records[p.index]), p.candidate])) : undefined;
  return { ...(await applyChoices(likely.model, source, choices, library)), picks };
}
