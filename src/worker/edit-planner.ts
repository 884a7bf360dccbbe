// Plans one user action as a sequence of steps, each against the file as edited by the steps
// before it (as src/cli/edit-commands.ts does): a single field is one step, a patch one step per
// entry, a revert one step per change it undoes. The guards live in format/edit-plan.ts.

import { findField, planFieldEdit, planHeaderEdit, planRawEdit, type Plan } from '../format/edit-plan.ts';
import { encodeLeaf } from '../format/field-codecs.ts';
import type { EditAction } from '../format/edits.ts';
import type { StreamModel } from '../format/model.ts';
import { parsePatch, planPatchEntry, type PatchEntry } from '../format/patch.ts';
import { type UserAction } from './edit-history.ts';
import type { EditRequest } from './protocol.ts';

export type Read = (offset: number, length: number) => Promise<Uint8Array>;
export type Step = (model: StreamModel, read: Read, force: boolean) => Plan | Promise<Plan>;

/** The model and bytes of the current file with `extra` actions applied on top of its edits. */
export type Rescan = (extra: EditAction[]) => Promise<{ model: StreamModel; read: Read }>;

export type StepsResult = { ok: true; actions: EditAction[] } | { ok: false; reason: string };

export interface Planned {
  label: string;
  steps: Step[];
  /** Reverts restore what was there: no refusal to force and nothing to confirm. */
  alwaysForce?: boolean;
}

const refuse = (reason: string): Plan => ({ ok: false, reason });

const HEADER_TEXT = /^(.*) (\d+) v(\d+)$/;

/** The step that puts back what `part` replaced, found in the file as it is now. */
function revertStep(part: EditAction): Step {
  if (part.kind === 'field') return (model) => planField(model, part.path!, part.before!, true);
  if (part.kind === 'header') {
    return (model) => {
      const now = HEADER_TEXT.exec(part.after ?? '');
      const was = HEADER_TEXT.exec(part.before ?? '');
      if (!now || !was) return refuse(`cannot read the header change "${part.before}" -> "${part.after}"`);
      const candidates = model.records.filter((r) => r.kind === 'section' && r.idstr === now[1] && r.instanceId === Number(now[2]) && r.versionId === Number(now[3]));
      const record = candidates.find((r) => r.offset === part.splices[0].offset) ?? candidates[0];
      if (!record) return refuse(`no section "${part.after}" to put back to "${part.before}"`);
      return planHeaderEdit(record, { idstr: was[1], instanceId: Number(was[2]), versionId: Number(was[3]) });
    };
  }
  return async (model, read) => {
    const s = part.splices[0];
    if (s.offset + s.inserted.length > model.fileSize) return refuse(`bytes at 0x${s.offset.toString(16)} are past the end of the file`);
    return planRawEdit(model, s.offset, await read(s.offset, s.inserted.length), s.removed, { force: true });
  };
}

/**
 * planPatchEntry looks a field entry up with findField, which does not know one-byte paths into a
 * buffer ("mc146818rtc (0)/cmos_data[63]", which planFieldEdit accepts); those are checked here
 * the same way: the target must hold the byte the patch expects.
 */
function planPatchStep(model: StreamModel, entry: PatchEntry, read: Read, force: boolean): Plan | Promise<Plan> {
  const m = /^(.*)\[(\d+)\]$/.exec(entry.path);
  if (entry.kind !== 'field' || !m || findField(model, entry.path)) return planPatchEntry(model, entry, read, force);
  const buffer = findField(model, m[1]);
  const hex = buffer && !buffer.node.children && typeof buffer.node.value === 'string' ? buffer.node.value : null;
  const i = Number(m[2]);
  if (!hex || !/^[0-9a-f]*$/.test(hex) || i >= buffer!.node.size) return refuse(`the target has no field "${entry.path}"`);
  const expected = encodeLeaf('uint8', 1, entry.before);
  if (!expected.ok || parseInt(hex.substr(i * 2, 2), 16) !== expected.bytes[0]) {
    return refuse(`${entry.path}: the target holds 0x${hex.substr(i * 2, 2)}, the patch expects ${entry.before}`);
  }
  return planField(model, entry.path, entry.after, force);
}

/**
 * One byte of a buffer ("cmos_data[63]"). planFieldEdit handles these itself but drops `force`
 * on the way (edit-plan.ts planBufferByte), so a forced byte of a PCI config could never go
 * through: the whole buffer is planned here with the option, and labelled like the core does.
 */
function planField(model: StreamModel, path: string, value: string, force: boolean): Plan {
  const m = /^(.*)\[(\d+)\]$/.exec(path);
  const buffer = m && !findField(model, path) ? findField(model, m[1]) : null;
  const hex = buffer && !buffer.node.children && typeof buffer.node.value === 'string' && /^[0-9a-f]*$/.test(buffer.node.value) ? buffer.node.value : null;
  const i = m ? Number(m[2]) : -1;
  if (!hex || i >= buffer!.node.size) return planFieldEdit(model, path, value, { force });
  const byte = encodeLeaf('uint8', 1, value);
  if (!byte.ok) return refuse(`${path}: ${byte.reason}`);
  const edited = hex.slice(0, i * 2) + byte.bytes[0].toString(16).padStart(2, '0') + hex.slice(i * 2 + 2);
  const plan = planFieldEdit(model, m![1], edited, { force });
  if (plan.ok) Object.assign(plan.action, { label: `set ${path}`, path, before: `0x${hex.substr(i * 2, 2)}`, after: value.trim() });
  return plan;
}

/** What a request means, as steps; null when it names nothing (e.g. an unknown action id). */
export function planRequest(req: EditRequest, done: readonly UserAction[]): Planned | { error: string } {
  switch (req.kind) {
    case 'field':
      return { label: `set ${req.path}`, steps: [(model, _read, force) => planField(model, req.path, req.value, force)] };
    case 'header':
      return {
        label: '',
        steps: [(model) => {
          const record = model.records[req.recordIndex];
          return record ? planHeaderEdit(record, req.change) : refuse(`no record ${req.recordIndex}`);
        }],
      };
    case 'raw':
      return {
        label: '',
        steps: [async (model, read, force) => {
          const end = req.offset + req.bytes.length;
          if (req.bytes.length === 0 || req.offset < 0 || end > model.fileSize) return refuse(`bytes 0x${req.offset.toString(16)}+${req.bytes.length} are not inside the file`);
          return planRawEdit(model, req.offset, await read(req.offset, req.bytes.length), req.bytes, { force });
        }],
      };
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
      return {
        label: `apply ${req.name} (${entries.length} edit${entries.length === 1 ? '' : 's'})`,
        steps: entries.map((entry) => (model, read, force) => planPatchStep(model, entry, read, force)),
      };
    }
  }
}

/** Runs the steps in order; between steps the file is decoded again with the actions so far. */
export async function runSteps(steps: Step[], start: { model: StreamModel; read: Read }, rescan: Rescan, force: boolean): Promise<StepsResult> {
  const actions: EditAction[] = [];
  let at = start;
  for (let i = 0; i < steps.length; i++) {
    if (i > 0) at = await rescan(actions);
    const plan = await steps[i](at.model, at.read, force);
    if (!plan.ok) return { ok: false, reason: steps.length > 1 ? `edit ${i + 1} of ${steps.length}: ${plan.reason}` : plan.reason };
    actions.push(plan.action);
  }
  return { ok: true, actions };
}
