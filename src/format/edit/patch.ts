// Edits exported as a small JSON patch and applied to another file (issue #4). Each entry is
// found the way the page finds it (find.ts) and checked against the value it expects to replace.

import { bytesToHex, hexToBytes } from '../field-types/index.ts';
import type { StreamModel } from '../model.ts';
import type { Change, ChangeKind } from './change.ts';
import { findSection, findTarget, parseHeaderText } from './find.ts';
import { planFieldEdit, planHeaderEdit, planRawEdit, type Plan } from './plan.ts';

export interface PatchEntry {
  kind: ChangeKind;
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

export type Read = (offset: number, length: number) => Promise<Uint8Array>;

export function exportPatch(changes: readonly Change[]): PatchFile {
  return {
    format: 'vmstate-explorer-patch',
    version: 1,
    edits: changes.map((c) => ({
      kind: c.kind, path: c.path ?? '', before: c.before ?? '', after: c.after ?? '',
      ...(c.kind === 'raw' ? { offset: c.splices[0].offset } : {}),
    })),
  };
}

export function parsePatch(text: string): PatchFile {
  let p: PatchFile;
  try {
    p = JSON.parse(text) as PatchFile;
  } catch (e) {
    // JSON.parse quotes the text it choked on: from a random or binary file that put raw bytes
    // (replacement characters) into the page's message. Where it stopped is all that helps.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    throw new Error(`not a vmstate-explorer patch: not JSON${text.length === 0 ? ' (empty file)' : at ? ` (at character ${at})` : ''}`);
  }
  if (p?.format !== 'vmstate-explorer-patch' || p.version !== 1 || !Array.isArray(p.edits)) throw new Error('not a vmstate-explorer patch (format/version/edits)');
  return p;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Plans one patch entry against `model` (the target as edited so far). */
export async function planPatchEntry(model: StreamModel, e: PatchEntry, read: Read, force = false): Promise<Plan> {
  if (e.kind === 'field') {
    if (!findTarget(model, e.path)) return { ok: false, reason: `the target has no field "${e.path}"` };
    // Re-encoding the expected value must give the bytes the target holds.
    const check = planFieldEdit(model, e.path, e.before, { force: true });
    if (!check.ok) return { ok: false, reason: `the target's field "${e.path}" cannot hold ${e.before}: ${check.reason}` };
    const s = check.change.splices[0];
    if (!same(s.inserted, s.removed)) return { ok: false, reason: `${e.path}: the target holds ${check.change.before}, the patch expects ${e.before}` };
    return planFieldEdit(model, e.path, e.after, { force });
  }
  if (e.kind === 'header') {
    const before = parseHeaderText(e.before);
    const after = parseHeaderText(e.after);
    if (!before || !after) return { ok: false, reason: 'a header edit needs "IDSTR INSTANCE vVERSION" before and after' };
    const record = findSection(model, { label: e.path, header: before });
    if (!record) return { ok: false, reason: `the target has no section header "${e.before}"` };
    return planHeaderEdit(record, after);
  }
  const before = hexToBytes(e.before);
  const after = hexToBytes(e.after);
  if (e.offset === undefined || !before || !after) return { ok: false, reason: 'a raw edit needs offset, before and after' };
  if (e.offset < 0 || e.offset + before.length > model.fileSize) return { ok: false, reason: `bytes 0x${e.offset.toString(16)}+${before.length} are not inside the file` };
  const current = await read(e.offset, before.length);
  if (bytesToHex(current) !== bytesToHex(before)) return { ok: false, reason: `bytes at 0x${e.offset.toString(16)} differ from what the patch expects` };
  return planRawEdit(model, e.offset, current, after, { force });
}
