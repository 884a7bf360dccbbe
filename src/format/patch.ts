// Edits exported as a small JSON patch and applied to another file (issue #4). Field edits are
// matched by path and checked against the value they expect to replace.

import { bytesToHex, hexToBytes } from './field-codecs.ts';
import { findField, planFieldEdit, planHeaderEdit, planRawEdit, type Plan } from './edit-plan.ts';
import type { EditAction } from './edits.ts';
import { sectionLabel, type StreamModel } from './model.ts';

export interface PatchEntry {
  kind: EditAction['kind'];
  path: string;
  before: string;
  after: string;
  offset?: number;
}

export interface PatchFile {
  format: 'vmstate-explorer-patch';
  version: 1;
  edits: PatchEntry[];
}

export function exportPatch(actions: readonly EditAction[]): PatchFile {
  return {
    format: 'vmstate-explorer-patch',
    version: 1,
    edits: actions.map((a) => ({
      kind: a.kind, path: a.path ?? '', before: a.before ?? '', after: a.after ?? '',
      ...(a.kind === 'raw' ? { offset: a.splices[0].offset } : {}),
    })),
  };
}

export function parsePatch(text: string): PatchFile {
  const p = JSON.parse(text) as PatchFile;
  if (p?.format !== 'vmstate-explorer-patch' || p.version !== 1 || !Array.isArray(p.edits)) throw new Error('not a vmstate-explorer patch (format/version/edits)');
  return p;
}

/** Plans one patch entry against `model` (the target as edited so far). */
export async function planPatchEntry(model: StreamModel, e: PatchEntry, read: (offset: number, size: number) => Promise<Uint8Array>, force = false): Promise<Plan> {
  if (e.kind === 'field') {
    // Re-encoding the expected value must give the bytes the target holds (works for byte
    // paths such as cmos_data[63] too).
    const check = planFieldEdit(model, e.path, e.before, { force: true });
    if (!check.ok) return { ok: false, reason: `the target has no field "${e.path}" holding ${e.before}: ${check.reason}` };
    const s = check.action.splices[0];
    if (bytesToHex(s.inserted) !== bytesToHex(s.removed)) {
      const held = findField(model, e.path)?.node.value ?? check.action.before;
      return { ok: false, reason: `${e.path}: the target holds ${JSON.stringify(held)}, the patch expects ${e.before}` };
    }
    return planFieldEdit(model, e.path, e.after, { force });
  }
  if (e.kind === 'header') {
    // "IDSTR INSTANCE vVERSION"; an idstr may itself contain spaces.
    const header = /^(.*) (\d+) v(\d+)$/;
    const b = header.exec(e.before);
    const a = header.exec(e.after);
    if (!b || !a) return { ok: false, reason: 'a header edit needs "IDSTR INSTANCE vVERSION" before and after' };
    const record = model.records.find((r) => r.kind === 'section' && sectionLabel(r.idstr!, r.instanceId!) === e.path && r.idstr === b[1] && r.instanceId === Number(b[2]) && r.versionId === Number(b[3]));
    if (!record) return { ok: false, reason: `the target has no section header "${e.before}"` };
    return planHeaderEdit(record, { idstr: a[1], instanceId: Number(a[2]), versionId: Number(a[3]) });
  }
  const before = hexToBytes(e.before);
  const after = hexToBytes(e.after);
  if (e.offset === undefined || !before || !after) return { ok: false, reason: 'a raw edit needs offset, before and after' };
  const current = await read(e.offset, before.length);
  if ( bytesToHex(current) !== e.before) return { ok: false, reason: `bytes at 0x${e.offset.toString(16)} differ from what the patch expects` };
  return planRawEdit(model, e.offset, current, after, { force });
}
