// `set` and `apply`: plan edits one after another against the file as edited so far, check that
// the result frames exactly like the original, then stream it out as original slices + new bytes.
import { open } from 'node:fs/promises';
import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { planFieldEdit, planHeaderEdit, type Plan } from '../format/edit-plan.ts';
import { editedSource, PieceTable, type EditAction } from '../format/edits.ts';
import { sectionLabel } from '../format/model.ts';
import { exportPatch, planPatchEntry, type PatchEntry, type PatchFile } from '../format/patch.ts';
import { scanStream } from '../format/scan.ts';
import { compareFraming } from '../format/verify.ts';
import type { Vmdesc } from '../format/vmdesc.ts';

export type SetRequest =
  | { kind: 'set-field'; path: string; value: string }
  | { kind: 'set-header'; label: string; prop: 'idstr' | 'instance_id' | 'version_id'; value: string };

export function headerAssignment(path: string, value: string): SetRequest {
  const m = /^(.*)\/#(idstr|instance_id|version_id)$/.exec(path);
  return m ? { kind: 'set-header', label: m[1], prop: m[2] as 'idstr', value } : { kind: 'set-field', path, value };
}

export interface EditRun {
  ok: boolean;
  reason?: string;
  warnings: string[];
  actions: number;
  size: number;
  patch?: PatchFile;
}

type Request = SetRequest | PatchEntry;

export async function runEdits(
  original: ByteSource,
  requests: Request[],
  output: string,
  opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary; force?: boolean; prefix?: Uint8Array },
): Promise<EditRun> {
  const scanOpts = { vmdesc: opts.vmdesc, library: opts.library };
  const base = (await scanStream(original, scanOpts)).model;
  const actions: EditAction[] = [];
  const warnings: string[] = [];
  let model = base;
  for (const req of requests) {
    const current = editedSource(original, actions);
    const plan = await planRequest(model, req, current, opts.force);
    if (!plan.ok) return { ok: false, reason: plan.reason, warnings, actions: 0, size: 0 };
    actions.push(plan.action);
    warnings.push(...plan.action.warnings);
    model = (await scanStream(editedSource(original, actions), scanOpts)).model;
  }
  const framing = compareFraming(base, model);
  if (!framing.ok && !opts.force) {
    return { ok: false, reason: `the edited file would not frame like the original: ${framing.reasons.join('; ')}`, warnings, actions: 0, size: 0 };
  }
  if (!framing.ok) warnings.push(...framing.reasons);
  const size = await writeEdited(original, actions, output, opts.prefix);
  return { ok: true, warnings, actions: actions.length, size, patch: exportPatch(actions) };
}

async function planRequest(model: Parameters<typeof planFieldEdit>[0], req: Request, current: ByteSource, force?: boolean): Promise<Plan> {
  if (req.kind === 'set-field') return planFieldEdit(model, req.path, req.value, { force });
  if (req.kind === 'set-header') {
    const record = model.records.find((r) => r.kind === 'section' && (r.sectionType === 'full' || r.sectionType === 'start') && sectionLabel(r.idstr!, r.instanceId!) === req.label);
    if (!record) return { ok: false, reason: `no section "${req.label}"` };
    const n = Number(req.value);
    if (req.prop === 'idstr') return planHeaderEdit(record, { idstr: req.value });
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(req.value.trim())) return { ok: false, reason: `${req.prop} must be an unsigned integer` };
    return planHeaderEdit(record, req.prop === 'instance_id' ? { instanceId: n } : { versionId: n });
  }
  return planPatchEntry(model, req, (o, s) => current.read(o, s), force);
}

/**
 * Streams the edited file: slices of the original and the inserted bytes, never the whole file.
 * `prefix` (a container's own bytes, e.g. a libvirt header and XML) goes first.
 */
export async function writeEdited(original: ByteSource, actions: readonly EditAction[], output: string, prefix?: Uint8Array): Promise<number> {
  const table = PieceTable.of(original.size, actions);
  const fh = await open(output, 'wx');
  let written = 0;
  try {
    if (prefix) {
      await fh.write(prefix);
      written += prefix.length;
    }
    for (const run of table.runs()) {
      if (!run.original) {
        await fh.write(run.bytes);
        written += run.bytes.length;
        continue;
      }
      for (let at = run.start; at < run.start + run.length; at += 8 << 20) {
        const chunk = await original.read(at, Math.min(8 << 20, run.start + run.length - at));
        await fh.write(chunk);
        written += chunk.length;
      }
    }
  } finally {
    await fh.close();
  }
  return written;
}
