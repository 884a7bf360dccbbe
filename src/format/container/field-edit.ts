// Edits of a container's own fields, planned like stream edits (format/edit) as 'container'
// changes: same-size overwrites of the dropped file's bytes outside the stream, so the history,
// undo, the kept edits and patches carry them like any other change.
// - libvirt/xml and libvirt/was_running: what `virsh save-image-define` and `virsh
//   save-image-edit --running/--paused` do (libvirt-edit.ts keeps the data_len room).
// - HVM_CONTEXT fields of an xl image (hvm-context.ts paths, "hvm CPU (0)/rax"): overwritten in
//   place, so the entry's length, the record's length and its padding never change.

import type { ByteSource } from '../byte-source.ts';
import type { Read } from '../edit/patch.ts';
import type { Plan } from '../edit/plan.ts';
import { walkFields } from '../edit/find.ts';
import { BYTES_VALUE_LIMIT, bytesToHex, fieldType, leafType, valueBytes } from '../field-types/index.ts';
import type { FieldNode } from '../model.ts';
import { readLibvirt } from './libvirt.ts';
import { libvirtPrefix } from './libvirt-edit.ts';
import { readXl } from './xl.ts';
import type { ContainerInfo } from './types.ts';

/** The container as edited so far: its records read again, and its bytes. */
export interface ContainerTarget {
  info: ContainerInfo;
  read: Read;
}

/** Paths the CLI and patches send to the container rather than the stream. */
export const isContainerPath = (path: string): boolean => path.startsWith('libvirt/') || path.startsWith('hvm ');

const refuse = (reason: string): Plan => ({ ok: false, reason });

/** Xen's arch_hvm_load (xen/arch/x86/hvm/save.c) refuses a context whose HEADER magic or version differ. */
const XEN_CHECKED = /^hvm HEADER \(\d+\)\/(magic|version)$/;

function findHvm(info: ContainerInfo, path: string): { node: FieldNode; byte?: number } | null {
  const nodes = info.kind === 'xl' ? info.records.filter((r) => r.kind === 'record').flatMap((r) => [...walkFields(r.fields)]) : [];
  const node = nodes.find((n) => n.path === path);
  if (node) return { node };
  const m = /^(.*)\[(\d+)\]$/.exec(path);
  const buffer = m ? nodes.find((n) => n.path === m[1] && !n.children) : undefined;
  const bytes = buffer ? valueBytes(buffer.value) : null;
  if (!buffer || !bytes || bytes.length !== buffer.size || Number(m![2]) >= bytes.length) return null;
  return { node: buffer, byte: Number(m![2]) };
}

/** The value `path` holds now, as the edit list and a patch write it; null if there is no such field. */
export function containerFieldText(info: ContainerInfo, path: string): string | null {
  if (path === 'libvirt/xml') return info.libvirt ? info.libvirt.xml : null;
  if (path === 'libvirt/was_running') return info.libvirt ? String(info.libvirt.header.wasRunning === 1) : null;
  const f = findHvm(info, path);
  if (!f) return null;
  if (f.byte !== undefined) return `0x${valueBytes(f.node.value)![f.byte].toString(16).padStart(2, '0')}`;
  return leafType(f.node).text(f.node.value ?? null, f.node.size);
}

/** Shortest same-size splice turning `removed` into `inserted` (a new XML rewrites only what differs). */
function trimmed(offset: number, removed: Uint8Array, inserted: Uint8Array) {
  let a = 0;
  let b = removed.length;
  while (a < b && removed[a] === inserted[a]) a++;
  while (b > a && removed[b - 1] === inserted[b - 1]) b--;
  return a === b ? [] : [{ offset: offset + a, removed: removed.slice(a, b), inserted: inserted.slice(a, b) }];
}

export async function planContainerEdit(t: ContainerTarget, path: string, value: string, opts: { force?: boolean } = {}): Promise<Plan> {
  const { info } = t;
  const before = containerFieldText(info, path);
  if (before === null) {
    const known = info.kind === 'libvirt' ? 'libvirt/xml and libvirt/was_running' : info.kind === 'xl' ? 'the HVM context\'s fields ("hvm CPU (0)/rax")' : 'none: only its VM state is editable';
    return refuse(`${info.title} has no editable field "${path}" (editable: ${known})`);
  }
  const change = (after: string, offset: number, removed: Uint8Array, inserted: Uint8Array, warnings: string[] = []): Plan => ({
    ok: true, change: { kind: 'container', label: `set ${path}`, path, before, after, splices: [], container: trimmed(offset, removed, inserted), warnings },
  });
  if (path.startsWith('libvirt/')) {
    const lv = info.libvirt!;
    let wasRunning: boolean | undefined;
    if (path === 'libvirt/was_running') {
      if (!/^(1|0|true|false)$/.test(value.trim())) return refuse(`libvirt/was_running takes 1, 0, true or false, not "${value}"`);
      wasRunning = /^(1|true)$/.test(value.trim());
    }
    const r = libvirtPrefix(lv, path === 'libvirt/xml' ? { xml: value } : { wasRunning });
    if (!r.ok) return refuse(r.reason);
    return change(path === 'libvirt/xml' ? value : String(wasRunning), 0, await t.read(0, r.prefix.length), r.prefix);
  }
  const { node, byte } = findHvm(info, path)!;
  if (node.children) return refuse(`${path} is a ${node.kind}; edit its fields one by one`);
  if (node.size > BYTES_VALUE_LIMIT) return refuse(`${path} holds ${node.size} bytes; at most ${BYTES_VALUE_LIMIT} are edited as one value`);
  const type = byte === undefined ? leafType(node) : fieldType('uint8', 1);
  const parsed = type.parse(value, byte === undefined ? node.size : 1);
  if (!parsed.ok) return refuse(`${path}: ${parsed.reason}`);
  const offset = node.offset + (byte ?? 0);
  const removed = await t.read(offset, parsed.bytes.length);
  const warnings = XEN_CHECKED.test(path) && bytesToHex(removed) !== bytesToHex(parsed.bytes)
    ? [`${path}: Xen refuses to restore a context whose HEADER ${path.split('/').pop()} is not its own (arch_hvm_load: "HVM restore: bad magic/version")`]
    : [];
  if (warnings.length && !opts.force) return refuse(warnings[0]);
  return change(value.trim(), offset, removed, parsed.bytes, warnings);
}

/**
 * The container's records read again from its edited bytes (`file`). The stream's place and
 * codec, and the problems of a compressed stream, come from the original: they do not change.
 */
export async function editedContainer(original: ContainerInfo, file: ByteSource): Promise<ContainerInfo> {
  if (original.kind === 'xl') return (await readXl(file)) ?? original;
  if (original.kind !== 'libvirt') return original;
  const read = await readLibvirt(file);
  if (!read) return original;
  const info: ContainerInfo = { ...read, inner: original.inner, streamSize: original.streamSize };
  const stream = original.records.find((x) => x.kind === 'stream');
  if (stream) info.records = info.records.map((x) => (x.kind === 'stream' ? stream : x));
  info.problems = info.records.flatMap((x) => x.problems);
  return info;
}
