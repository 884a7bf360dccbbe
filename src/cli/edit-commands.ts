// `set` and `apply`: the edit model (format/edit/) plans the edits one after another against the
// file as edited so far; here the result is checked to frame exactly like the original, then
// streamed out as original slices + new bytes; a container image (libvirt, xl, qcow2) is written
// whole around the edited stream (format/container/image-parts.ts).
import { writeNewFile } from './new-file.ts';
import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import type { Change } from '../format/edit/change.ts';
import { containerSplices } from '../format/edit/history.ts';
import { exportPatch, type PatchEntry, type PatchFile } from '../format/edit/patch.ts';
import { editedSource, PieceTable } from '../format/edit/piece-table.ts';
import { headerValue } from '../format/edit/plan.ts';
import { patchSteps, planRequest, runSteps, type EditRequest, type Step } from '../format/edit/steps.ts';
import { editedContainer } from '../format/container/field-edit.ts';
import { libvirtRawParts, qcow2Parts, xlParts, type ImagePart } from '../format/container/image-parts.ts';
import { libvirtPrefix } from '../format/container/libvirt-edit.ts';
import { qcow2StateSource } from '../format/container/qcow2.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { formatProblem, type Problem } from '../format/errors.ts';
import { imagePatches } from '../format/qcow2/patch-image.ts';
import type { Qcow2VmState } from '../format/qcow2/index.ts';
import { scanStream } from '../format/scan.ts';
import { likelyLayouts } from '../format/likely-layouts.ts';
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
  /** What the output says about itself (a compressed image written raw). */
  notes: string[];
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

/** What is edited: the QEMU stream, and the container file around it (container-open.ts). */
export interface EditInput {
  stream: ByteSource;
  file?: ByteSource;
  container?: ContainerInfo | null;
}

export async function runEdits(
  input: EditInput,
  requests: Request[],
  output: string,
  opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary; force?: boolean },
): Promise<EditRun> {
  const original = input.stream;
  const scanOpts = { vmdesc: opts.vmdesc, library: opts.library };
  const fail = (reason: string, warnings: string[] = []): EditRun => ({ ok: false, reason, warnings, notes: [], actions: 0, size: 0 });
  const outer = async (changes: Change[]) => {
    if (!input.container || !input.file) return undefined;
    const file = editedSource(input.file, containerSplices(changes));
    const info = containerSplices(changes).length ? await editedContainer(input.container, file) : input.container;
    return { info, read: (o: number, n: number) => file.read(o, n), file };
  };
  const at = async (changes: Change[]) => {
    const source = editedSource(original, changes);
    // Field paths are found in the likely QEMU version's layouts, as the page shows them
    // (globalstate/vm_was_suspended exists only in QEMU 10.0's and later).
    const { model } = await likelyLayouts((await scanStream(source, scanOpts)).model, source, opts.library);
    return { model, read: (o: number, n: number) => source.read(o, n), container: await outer(changes) };
  };
  const base = await at([]);
  // A cut or damaged input gives an output damaged the same way, which QEMU would refuse as it
  // would the input; exit 0 alone said the edit made a loadable file. Refused like the other
  // guards (a changed framing): --force writes it, with the problem printed as a warning.
  const damage = inputDamage(input, base.model.problems);
  if (damage && !opts.force) return fail(`${damage}; the output would be damaged the same way (--force writes it anyway)`);
  // Warnings are printed, not asked about: `force` is only for what the guards refuse.
  const result = await runSteps(requests.flatMap(stepsOf), base, at, opts.force === true);
  if (!result.ok) return fail(result.reason, damage ? [damage] : []);
  const changes = result.changes;
  const warnings = [...(damage ? [damage] : []), ...changes.flatMap((c) => c.warnings)];
  const edited = changes.length ? (await at(changes)).model : base.model;
  const framing = compareFraming(base.model, edited);
  if (!framing.ok && !opts.force) return fail(`the edited file would not frame like the original: ${framing.reasons.join('; ')}`, warnings);
  if (!framing.ok) warnings.push(...framing.reasons);
  const container = await outer(changes);
  if (!container) return { ok: true, warnings, notes: [], actions: changes.length, size: await writeEdited(original, changes, output), patch: exportPatch(changes) };
  const layout = await imageLayout(input, container.info, changes);
  if ('reason' in layout) return fail(layout.reason, warnings);
  const size = await writeParts(layout.parts, container.file, editedSource(original, changes), output);
  return { ok: true, warnings, notes: layout.notes, actions: changes.length, size, patch: exportPatch(changes) };
}

/** The input's first error, in one line with its offset (the stream's, for a problem inside an image's stream). */
function inputDamage(input: EditInput, streamProblems: readonly Problem[]): string | undefined {
  const outer = input.container?.problems.find((p) => p.severity === 'error');
  if (outer) return `the input is damaged: ${formatProblem(outer)}`;
  const inner = streamProblems.find((p) => p.severity === 'error');
  if (inner) return `the input${input.container ? "'s QEMU stream" : ''} is damaged: ${formatProblem(inner)}`;
  return undefined;
}

/** The output image's parts: the container's own bytes (as edited) around the edited stream. */
async function imageLayout(input: EditInput, info: ContainerInfo, changes: Change[]): Promise<{ parts: ImagePart[]; notes: string[] } | { reason: string }> {
  const size = editedSource(input.stream, changes).size;
  if (info.kind === 'xl') {
    if (!info.xl) return { reason: `${info.title}: it has no EMULATOR_CONTEXT record to write the device state into` };
    return { parts: xlParts(info, size), notes: [] };
  }
  if (info.kind === 'qcow2') {
    const state = await qcow2StateSource(input.file!, input.container!);
    const r = await imagePatches(state as Qcow2VmState, changes.flatMap((c) => c.splices));
    return r.ok ? { parts: qcow2Parts(info, r.patches), notes: [] } : { reason: r.reason };
  }
  if (!info.libvirt) return { reason: `the libvirt header cannot be rewritten: ${info.problems.map(formatProblem)[0] ?? 'unreadable'}` };
  if (info.inner.codec === 'raw') return { parts: libvirtRawParts(info, size), notes: [] };
  const r = libvirtPrefix(info.libvirt, { codec: 'raw' });
  if (!r.ok) return { reason: r.reason };
  const notes = [`the ${info.inner.codec} image is written as a raw image (${r.notes.join('')}); libvirt restores it without a decompressor`];
  return { parts: [{ from: 'bytes', bytes: r.prefix }, { from: 'stream', offset: 0, length: size }], notes };
}

/** Writes the parts in slices of at most 8 MiB: a multi-GiB image is never held in memory. */
export async function writeParts(parts: readonly ImagePart[], file: ByteSource, stream: ByteSource, output: string): Promise<number> {
  return writeNewFile(output, async (write) => {
    let written = 0;
    for (const p of parts) {
      if (p.from === 'bytes') {
        await write(p.bytes);
        written += p.bytes.length;
        continue;
      }
      const src = p.from === 'file' ? file : stream;
      for (let at = p.offset; at < p.offset + p.length; ) {
        const chunk = await src.read(at, Math.min(8 << 20, p.offset + p.length - at));
        if (chunk.length === 0) throw new Error(`the ${p.from} ended at byte ${at} of ${p.offset + p.length} while writing ${output}`);
        await write(chunk);
        written += chunk.length;
        at += chunk.length;
      }
    }
    return written;
  });
}

/** Streams the edited file: slices of the original and the inserted bytes, never the whole file. */
export async function writeEdited(original: ByteSource, changes: readonly Change[], output: string): Promise<number> {
  const runs = PieceTable.of(original.size, changes).runs();
  return writeParts(runs.map((r) => (r.original ? { from: 'stream', offset: r.start, length: r.length } : { from: 'bytes', bytes: r.bytes })), original, original, output);
}
