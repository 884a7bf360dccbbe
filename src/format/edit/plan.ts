// Turns what a user asks for ("set cpu (0)/env.regs[0] to 0x10") into a Change, guarded by the
// load-time rules of format.md §11 (guards.ts): a change QEMU would reject is refused with the
// reason, one it might accept but the user should know about carries a warning.

import { encodeSectionHeader } from '../encode.ts';
import { BYTES_VALUE_LIMIT, bytesToHex, fieldType, leafType, valueBytes } from '../field-types/index.ts';
import type { StreamModel, StreamRecord } from '../model.ts';
import { sectionLabel } from '../model.ts';
import { REC } from '../records.ts';
import type { Change } from './change.ts';
import { findTarget, headerText } from './find.ts';
import { fieldGuards, headerGuards, rawGuards, type GuardResult } from './guards.ts';

export type Plan = { ok: true; change: Change } | { ok: false; reason: string };

export interface PlanOptions {
  /** Allow edits that are refused by default because the user may know better. */
  force?: boolean;
}

const refuse = (reason: string): Plan => ({ ok: false, reason });

/** Applies the guards' verdict: refused, refused unless forced, or the change with its warnings. */
function guarded(g: GuardResult, prefix: string, opts: PlanOptions, change: () => Omit<Change, 'warnings'>): Plan {
  if (g.refused) return refuse(`${prefix}${g.refused}`);
  if (g.forceable.length && !opts.force) return refuse(`${prefix}${g.forceable[0]}`);
  return { ok: true, change: { ...change(), warnings: [...g.warnings, ...g.forceable] } };
}

/** Sets a leaf to a typed value, or (path "buffer[i]") one byte of a buffer. */
export function planFieldEdit(model: StreamModel, path: string, text: string, opts: PlanOptions = {}): Plan {
  const target = findTarget(model, path);
  if (!target) return refuse(`no field "${path}"`);
  const { record, node, byte } = target;
  if (record.heuristic) return refuse(`${path}: its section was framed by a heuristic, so its bytes cannot be edited safely`);
  if (node.children) return refuse(`${path} is a ${node.kind}; edit its fields one by one`);
  if (node.size > BYTES_VALUE_LIMIT) return refuse(`${path} holds ${node.size} bytes; edit large buffers in the hex view`);
  const type = leafType(node);
  const current = type.encode(node.value ?? null, node.size);
  if (!current.ok) return refuse(`${path}: ${current.reason}`);
  let bytes: Uint8Array;
  let before: string;
  if (byte === undefined) {
    const parsed = type.parse(text, node.size);
    if (!parsed.ok) return refuse(`${path}: ${parsed.reason}`);
    bytes = parsed.bytes;
    before = type.text(node.value ?? null, node.size);
  } else {
    const parsed = fieldType('uint8', 1).parse(text, 1);
    if (!parsed.ok) return refuse(`${path}: ${parsed.reason}`);
    bytes = valueBytes(node.value)!.slice();
    bytes[byte] = parsed.bytes[0];
    before = `0x${bytesToHex(current.bytes.subarray(byte, byte + 1))}`;
  }
  return guarded(fieldGuards(record, node, path, bytes), `${path}: `, opts, () => ({
    kind: 'field', label: `set ${path}`, path, before, after: text.trim(), bytes: byte === undefined && type.bytes === true,
    splices: [{ offset: node.offset, removed: current.bytes, inserted: bytes }],
  }));
}

export interface HeaderChange {
  idstr?: string;
  instanceId?: number;
  versionId?: number;
}

/**
 * Rewrites a START/FULL header. A longer or shorter idstr changes the record's size; there are
 * no length prefixes to fix, and the footer carries only the section id.
 */
export function planHeaderEdit(record: StreamRecord, change: HeaderChange): Plan {
  if (record.kind !== 'section' || (record.sectionType !== 'full' && record.sectionType !== 'start')) {
    return refuse('only START and FULL sections have an idstr, instance id and version id');
  }
  const was = { idstr: record.idstr!, instanceId: record.instanceId!, versionId: record.versionId! };
  const now = { ...was, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  const type = record.sectionType === 'full' ? REC.SECTION_FULL : REC.SECTION_START;
  const label = sectionLabel(was.idstr, was.instanceId);
  return guarded(headerGuards(record, now.idstr, now.instanceId, now.versionId), '', {}, () => ({
    kind: 'header', label: `header of ${label}`, path: label, before: headerText(was), after: headerText(now),
    splices: [{
      offset: record.offset,
      removed: encodeSectionHeader(type, record.sectionId!, was.idstr, was.instanceId, was.versionId),
      inserted: encodeSectionHeader(type, record.sectionId!, now.idstr, now.instanceId, now.versionId),
    }],
  }));
}

/** Parses one header value typed by a user ("idstr", "instance_id" or "version_id"). */
export function headerValue(prop: 'idstr' | 'instance_id' | 'version_id', text: string): HeaderChange | string {
  if (prop === 'idstr') return { idstr: text };
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text.trim())) return `${prop} must be an unsigned integer`;
  const n = Number(text.trim());
  return prop === 'instance_id' ? { instanceId: n } : { versionId: n };
}

/** Overwrites raw bytes (never inserts); record framing bytes need `force`. */
export function planRawEdit(model: StreamModel, offset: number, current: Uint8Array, bytes: Uint8Array, opts: PlanOptions = {}): Plan {
  if (bytes.length === 0 || offset < 0 || offset + bytes.length > model.fileSize) return refuse(`bytes 0x${offset.toString(16)}+${bytes.length} are not inside the file`);
  if (current.length !== bytes.length) return refuse('raw edits overwrite; they never change the size');
  return guarded(rawGuards(model, offset, offset + bytes.length), '', opts, () => ({
    kind: 'raw', label: `bytes at 0x${offset.toString(16)}`, path: `0x${offset.toString(16)}`, bytes: true,
    before: bytesToHex(current), after: bytesToHex(bytes), splices: [{ offset, removed: current.slice(), inserted: bytes.slice() }],
  }));
}
