// Plans one request as a sequence of steps, each against the file as edited by the steps before
// it: a field is one step, a patch one step per entry, a revert one step per change it undoes.
// The worker and the CLI both run their edits through here.

import { containerFieldText, planContainerEdit, type ContainerTarget } from '../container/field-edit.ts';
import type { StreamModel } from '../model.ts';
import type { Change } from './change.ts';
import { findSection, parseHeaderText, type SectionRef } from './find.ts';
import { nextId, userAction, type History, type UserAction } from './history.ts';
import { parsePatch, planPatchEntry, type PatchEntry, type Read } from './patch.ts';
import { planFieldEdit, planHeaderEdit, planRawEdit, type HeaderChange, type Plan } from './plan.ts';

/** What a user asks to change. */
export type EditRequest =
  | { kind: 'field'; path: string; value: string }
  | { kind: 'header'; section: SectionRef; change: HeaderChange }
  /** Overwrites bytes.length bytes at offset (never inserts). */
  | { kind: 'raw'; offset: number; bytes: Uint8Array }
  /** One of the container's own fields (format/container/field-edit.ts): "libvirt/xml", "hvm CPU (0)/rax". */
  | { kind: 'container'; path: string; value: string }
  /** A new action restoring the values action `id` replaced, planned against the current model. */
  | { kind: 'revert'; id: number }
  /** A JSON patch (patch.ts) applied as one action; all entries or none. */
  | { kind: 'patch'; text: string; name: string };

/** The file a step plans against. */
export interface Target {
  model: StreamModel;
  read: Read;
  /** The container around the stream, as edited so far; absent for a bare stream. */
  container?: ContainerTarget;
}

export type Step = (at: Target, force: boolean) => Plan | Promise<Plan>;

/** The target with `extra` changes applied on top of what the steps started from. */
export type Rescan = (extra: Change[]) => Promise<Target>;

export interface Planned {
  label: string;
  steps: Step[];
  /** Reverts restore what was there: no refusal to force and nothing to confirm. */
  alwaysForce?: boolean;
}

const refuse = (reason: string): Plan => ({ ok: false, reason });

/** Overwrites bytes with what the file holds there now as `removed`. */
const rawStep = (offset: number, bytes: Uint8Array): Step => async ({ model, read }, force) => {
  if (bytes.length === 0 || offset < 0 || offset + bytes.length > model.fileSize) return refuse(`bytes 0x${offset.toString(16)}+${bytes.length} are not inside the file`);
  return planRawEdit(model, offset, await read(offset, bytes.length), bytes, { force });
};

const headerStep = (section: SectionRef, change: HeaderChange, missing: string): Step => ({ model }) => {
  const record = findSection(model, section);
  return record ? planHeaderEdit(record, change) : refuse(missing);
};

const containerStep = (path: string, value: string): Step => ({ container }, force) =>
  container ? planContainerEdit(container, path, value, { force }) : refuse(`"${path}" is a container field; this file is a bare QEMU stream`);

/** A patch's container entry: the field must hold what the patch expects it to replace. */
const containerPatchStep = (e: PatchEntry): Step => async (at, force) => {
  const now = at.container ? containerFieldText(at.container.info, e.path) : null;
  if (now === null) return refuse(`the target has no container field "${e.path}"`);
  if (now !== e.before) return refuse(`${e.path}: the target holds ${now.length > 60 ? 'another value' : now}, the patch expects ${e.before.length > 60 ? 'another' : e.before}`);
  return containerStep(e.path, e.after)(at, force);
};

/** The step that puts back what `part` replaced, found in the file as it is now. */
function revertStep(part: Change): Step {
  if (part.kind === 'container') return containerStep(part.path!, part.before!);
  if (part.kind === 'field') return ({ model }) => planFieldEdit(model, part.path!, part.before!, { force: true });
  if (part.kind === 'header') {
    const now = parseHeaderText(part.after ?? '');
    const was = parseHeaderText(part.before ?? '');
    if (!now || !was) return () => refuse(`cannot read the header change "${part.before}" -> "${part.after}"`);
    return headerStep({ header: now, preferOffset: part.splices[0].offset }, was, `no section "${part.after}" to put back to "${part.before}"`);
  }
  const s = part.splices[0];
  return rawStep(s.offset, s.removed);
}

/** One step per patch entry. */
export const patchSteps = (entries: readonly PatchEntry[]): Step[] =>
  entries.map((entry) => (entry.kind === 'container' ? containerPatchStep(entry) : ({ model, read }, force) => planPatchEntry(model, entry, read, force)));

/** What a request means, as steps; an error when it names nothing (e.g. an unknown action id). */
export function planRequest(req: EditRequest, done: readonly UserAction[]): Planned | { error: string } {
  switch (req.kind) {
    case 'field':
      return { label: `set ${req.path}`, steps: [({ model }, force) => planFieldEdit(model, req.path, req.value, { force })] };
    case 'header': {
      const name = 'index' in req.section ? `record ${req.section.index}` : `section "${req.section.label ?? ''}"`;
      return { label: '', steps: [headerStep(req.section, req.change, `no ${name}`)] };
    }
    case 'raw':
      return { label: '', steps: [rawStep(req.offset, req.bytes)] };
    case 'container':
      return { label: `set ${req.path}`, steps: [containerStep(req.path, req.value)] };
    case 'revert': {
      const action = done.find((a) => a.id === req.id);
      if (!action) return { error: `no applied edit ${req.id}` };
      const parts = action.parts ?? [action];
      return { label: `revert ${action.label}`, steps: [...parts].reverse().map(revertStep), alwaysForce: true };
    }
    case 'patch': {
      let entries;
      try {
        entries = parsePatch(req.text).edits;
      } catch (e) {
        return { error: `${req.name}: ${(e as Error).message}` };
      }
      if (entries.length === 0) return { error: `${req.name} holds no edits` };
      return { label: `apply ${req.name} (${entries.length} edit${entries.length === 1 ? '' : 's'})`, steps: patchSteps(entries) };
    }
  }
}

export type StepsResult = { ok: true; changes: Change[] } | { ok: false; reason: string };

/** Runs the steps in order; between steps the file is decoded again with the changes so far. */
export async function runSteps(steps: readonly Step[], start: Target, rescan: Rescan, force: boolean): Promise<StepsResult> {
  const changes: Change[] = [];
  let at = start;
  for (let i = 0; i < steps.length; i++) {
    if (i > 0) at = await rescan(changes);
    const plan = await steps[i](at, force);
    if (!plan.ok) return { ok: false, reason: steps.length > 1 ? `edit ${i + 1} of ${steps.length}: ${plan.reason}` : plan.reason };
    changes.push(plan.change);
  }
  return { ok: true, changes };
}

/** What a request comes to: applied (a new history), a question first, or refused with the reason. */
export type Outcome =
  | { status: 'applied'; action: UserAction; history: History; warnings: string[] }
  /** Allowed, but with warnings the user should see first: ask again with force. */
  | { status: 'confirm'; warnings: string[] }
  /** canForce: asking again with force would apply it, with `warnings`. */
  | { status: 'refused'; reason: string; canForce: boolean; warnings: string[] };

/**
 * Plans `req` as one user action on top of `history`. Unforced, a refusal says whether force would
 * let it through (and with which warnings), and warnings are asked about before anything applies.
 */
export async function planAction(req: EditRequest, history: History, start: Target, rescan: Rescan, force: boolean): Promise<Outcome | { error: string }> {
  const planned = planRequest(req, history.done);
  if ('error' in planned) return planned;
  const forced = force || planned.alwaysForce === true;
  const result = await runSteps(planned.steps, start, rescan, forced);
  if (!result.ok) {
    if (forced) return { status: 'refused', reason: result.reason, canForce: false, warnings: [] };
    const retry = await runSteps(planned.steps, start, rescan, true);
    return { status: 'refused', reason: result.reason, canForce: retry.ok, warnings: retry.ok ? retry.changes.flatMap((c) => c.warnings) : [] };
  }
  const warnings = result.changes.flatMap((c) => c.warnings);
  if (warnings.length && !forced) return { status: 'confirm', warnings };
  const action = userAction(nextId(history), planned.label, result.changes);
  return { status: 'applied', action, history: { done: [...history.done, action], undone: [] }, warnings };
}
