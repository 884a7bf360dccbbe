// `set` and `apply`: the edit model (format/edit/) plans the edits one after another against the
// file as edited so far; here the result is checked to frame exactly like the original, then
// streamed out as original slices + new bytes.
import { open } from 'node:fs/promises';
import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import type { Change } from '../format/edit/change.ts';
import { exportPatch, type PatchEntry, type PatchFile } from '../format/edit/patch.ts';
import { editedSource, PieceTable } from '../format/edit/piece-table.ts';
import { headerValue } from '../format/edit/plan.ts';
import { patchSteps, planRequest, runSteps, type EditRequest, type Step } from '../format/edit/steps.ts';
import { scanStream } from '../format/scan.ts';
import { compareFraming } from '../format/verify.ts';
import type { Vmdesc } from '../format/vmdesc.ts';

/** `PATH=VALUE`, or `LABEL/#idstr=…` (also #instance_id, #version_id) for a section header. */
export type SetRequest = EditRequest | { kind: 'refused'; reason: string };

export function headerAssignment(path: string, value: string): SetRequest {
  const m = /^(.*)\/#(idstr|instance_id|version_id)$/.exec(path);
  if (!m) return { kind: 'field', path, value };
  const change = headerValue(m[2] as 'idstr', value);
  return typeof change === 'string' ? { kind: 'refused', reason: change } : { kind: 'header', section: { label: m[1] }, change };
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

function stepsOf(req: Request): Step[] {
  if (req.kind === 'refused') return [() => ({ ok: false, reason: req.reason })];
  // A patch entry carries the value it expects to replace; an assignment does not.
  if ('before' in req) return patchSteps([req]);
  const planned = planRequest(req, []);
  return 'error' in planned ? [() => ({ ok: false, reason: planned.error })] : planned.steps;
}

export async function runEdits(
  original: ByteSource,
  requests: Request[],
  output: string,
  opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary; force?: boolean; prefix?: Uint8Array },
): Promise<EditRun> {
  const scanOpts = { vmdesc: opts.vmdesc, library: opts.library };
  const at = async (changes: Change[]) => {
    const source = editedSource(original, changes);
    return { model: (await scanStream(source, scanOpts)).model, read: (o: number, n: number) => source.read(o, n) };
  };
  const base = await at([]);
  // Warnings are printed, not asked about: `force` is only for what the guards refuse.
  const result = await runSteps(requests.flatMap(stepsOf), base, at, opts.force === true);
  if (!result.ok) return { ok: false, reason: result.reason, warnings: [], actions: 0, size: 0 };
  const changes = result.changes;
  const warnings = changes.flatMap((c) => c.warnings);
  const edited = changes.length ? (await at(changes)).model : base.model;
  const framing = compareFraming(base.model, edited);
  if (!framing.ok && !opts.force) {
    return { ok: false, reason: `the edited file would not frame like the original: ${framing.reasons.join('; ')}`, warnings, actions: 0, size: 0 };
  }
  if (!framing.ok) warnings.push(...framing.reasons);
  const size = await writeEdited(original, changes, output, opts.prefix);
  return { ok: true, warnings, actions: changes.length, size, patch: exportPatch(changes) };
}

/**
 * Streams the edited file: slices of the original and the inserted bytes, never the whole file.
 * `prefix` (a container's own bytes, e.g. a libvirt header and XML) goes first.
 */
export async function writeEdited(original: ByteSource, changes: readonly Change[], output: string, prefix?: Uint8Array): Promise<number> {
  const table = PieceTable.of(original.size, changes);
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
