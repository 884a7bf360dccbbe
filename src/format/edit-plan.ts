// Turns what a user asks for ("set cpu (0)/env.regs[0] to 0x10") into an EditAction, guarded by
// the load-time rules of format.md §11: a change QEMU would reject is refused with the reason,
// one it might accept but the user should know about carries a warning.

import { bytesToHex, encodeLeaf, HEX_VALUE_LIMIT, INT_TYPES, readInt, valueToText } from './field-codecs.ts';
import { encodeSectionHeader } from './encode.ts';
import type { EditAction } from './edits.ts';
import type { FieldNode, StreamModel, StreamRecord } from './model.ts';
import { sectionLabel } from './model.ts';
import { REC } from './records.ts';

export type Plan = { ok: true; action: EditAction } | { ok: false; reason: string };

export interface PlanOptions {
  /** Allow edits that are refused by default because the user may know better. */
  force?: boolean;
}

export function* walkFields(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) {
    yield n;
    yield* walkFields(n.children);
  }
}

export function findField(model: StreamModel, path: string): { record: StreamRecord; node: FieldNode } | null {
  for (const record of model.records) {
    if (!record.fields) continue;
    for (const node of walkFields(record.fields)) if (node.path === path) return { record, node };
  }
  return null;
}

/** Names that usually hold the length of a VARRAY/VBUFFER that follows (VMS_VARRAY_*, VMS_VBUFFER). */
const COUNT_NAME = /(^|[._])(n|nr|num|count|cnt|len|length|size|used|nb)([._\[]|$)|_(count|num|len|size|cnt)$|^(num|nb|nr|n)_/i;

/** PCI config bytes that are read-only on every device: ids, revision, class, header type. */
const PCI_READ_ONLY = new Set([0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x0e]);

/** `buffer[i]`: one byte of a byte buffer (e.g. "mc146818rtc (0)/cmos_data[63]"). */
function planBufferByte(model: StreamModel, path: string, text: string, opts: PlanOptions): Plan | null {
  const m = /^(.*)\[(\d+)\]$/.exec(path);
  const found = m && findField(model, m[1]);
  if (!m || !found || found.node.children || typeof found.node.value !== 'string') return null;
  const i = Number(m[2]);
  const hex = found.node.value;
  if (!/^[0-9a-f]*$/.test(hex) || i >= found.node.size) return null;
  const byte = encodeLeaf('uint8', 1, text);
  if (!byte.ok) return { ok: false, reason: `${path}: ${byte.reason}` };
  const edited = hex.slice(0, i * 2) + bytesToHex(byte.bytes) + hex.slice(i * 2 + 2);
  const plan = planFieldEdit(model, m[1], edited, opts);
  if (plan.ok) Object.assign(plan.action, { label: `set ${path}`, path, before: `0x${hex.substr(i * 2, 2)}`, after: text.trim() });
  return plan;
}

export function planFieldEdit(model: StreamModel, path: string, text: string, opts: PlanOptions = {}): Plan {
  const found = findField(model, path);
  if (!found) return planBufferByte(model, path, text, opts) ?? { ok: false, reason: `no field "${path}"` };
  const { record, node } = found;
  if (record.heuristic) return { ok: false, reason: `${path}: its section was framed by a heuristic, so its bytes cannot be edited safely` };
  if (node.children) return { ok: false, reason: `${path} is a ${node.kind}; edit its fields one by one` };
  if (node.size > HEX_VALUE_LIMIT) return { ok: false, reason: `${path} holds ${node.size} bytes; edit large buffers in the hex view` };
  if (node.type === 'nullptr' || node.type === 'ptr-marker') return { ok: false, reason: `${path} is a NULL-pointer placeholder; QEMU requires 0x30` };
  const enc = encodeLeaf(node.kind === 'opaque' ? 'buffer' : node.type, node.size, text);
  if (!enc.ok) return { ok: false, reason: `${path}: ${enc.reason}` };
  const warnings: string[] = [];
  const before = valueToText(node.type, node.value ?? null);
  // Refused unless forced; forced, it becomes a warning.
  const refuse = (reason: string): Plan | null => {
    if (!opts.force) return { ok: false, reason: `${path}: ${reason}` };
    warnings.push(reason);
    return null;
  };

  const int = INT_TYPES[node.type];
  const newInt = int ? readInt(enc.bytes, int.signed) : 0n;
  if (node.type.endsWith(' equal')) {
    warnings.push(`"${node.type}" must equal the destination's own value on load (vmstate-types.c get_*_equal), or QEMU refuses the file`);
  }
  if (node.type === 'int32 le') {
    if (newInt < 0n) return { ok: false, reason: `${path}: "int32 le" must be >= 0 ("Invalid value ${newInt} expecting positive value <= ...")` };
    warnings.push('"int32 le" must be <= the destination\'s value (get_int32_le), or QEMU refuses the file');
  }
  if (/\/pci irq state|\.irq_state\[\d\]$/.test(path) || (record.fields && isIrqStateChild(record.fields, node))) {
    if (newInt !== 0n && newInt !== 1n) return { ok: false, reason: `${path}: a PCI irq state must be 0 or 1 ("irq state ${newInt}: must be 0 or 1.")` };
  }
  if (node.type === 'pci config') {
    const old = hexOf(node.value);
    for (let i = 0; i < enc.bytes.length; i++) {
      if (PCI_READ_ONLY.has(i) && old && parseInt(old.substr(i * 2, 2), 16) !== enc.bytes[i]) {
        const r = refuse(`PCI config byte 0x${i.toString(16)} (ids/revision/class/header type) is read-only; QEMU rejects the change ("get_pci_config_device: Bad config data")`);
        if (r) return r;
        break;
      }
    }
  }
  if (int && COUNT_NAME.test(node.name) && BigInt(node.value === null || node.value === undefined ? 0 : String(node.value)) !== newInt) {
    const r = refuse(`"${node.name}" looks like a count or length that governs an array; changing it without resizing that data makes QEMU misparse everything after it`);
    if (r) return r;
  }
  if (node.type === 'bool' && enc.bytes[0] > 1) warnings.push('QEMU writes bools as 0/1; any non-zero byte loads as true');
  const removed = currentBytes(node, before);
  return {
    ok: true,
    action: {
      kind: 'field', label: `set ${path}`, path, before, after: text.trim(),
      splices: [{ offset: node.offset, removed, inserted: enc.bytes }], warnings,
    },
  };
}

function isIrqStateChild(fields: FieldNode[], node: FieldNode): boolean {
  for (const n of walkFields(fields)) if (n.type === 'pci irq state' && n.children?.includes(node)) return true;
  return false;
}

function hexOf(v: FieldNode['value']): string | null {
  return typeof v === 'string' && /^[0-9a-f]*$/.test(v) ? v : null;
}

/** The bytes a field holds now, re-encoded from its decoded value (exact, see encode.test.ts). */
function currentBytes(node: FieldNode, before: string): Uint8Array {
  const r = encodeLeaf(node.kind === 'opaque' ? 'buffer' : node.type, node.size, before);
  return r.ok ? r.bytes : new Uint8Array(node.size);
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
    return { ok: false, reason: 'only START and FULL sections have an idstr, instance id and version id' };
  }
  const idstr = change.idstr ?? record.idstr!;
  const instanceId = change.instanceId ?? record.instanceId!;
  const versionId = change.versionId ?? record.versionId!;
  if (idstr.length < 1 || idstr.length > 255 || /[^\x20-\x7e]/.test(idstr)) return { ok: false, reason: 'an idstr is 1-255 printable ASCII characters' };
  for (const [name, v] of [['instance id', instanceId], ['version id', versionId]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return { ok: false, reason: `${name} must be a 32-bit unsigned integer` };
  }
  const warnings: string[] = [];
  if (versionId !== record.versionId) warnings.push(`QEMU refuses a version above its own and below the vmsd's minimum; the fields present depend on the version (format.md §3.1)`);
  const type = record.sectionType === 'full' ? REC.SECTION_FULL : REC.SECTION_START;
  const oldHeader = encodeSectionHeader(type, record.sectionId!, record.idstr, record.instanceId, record.versionId);
  const newHeader = encodeSectionHeader(type, record.sectionId!, idstr, instanceId, versionId);
  const label = sectionLabel(record.idstr!, record.instanceId!);
  return {
    ok: true,
    action: {
      kind: 'header', label: `header of ${label}`, path: label,
      before: `${record.idstr} ${record.instanceId} v${record.versionId}`, after: `${idstr} ${instanceId} v${versionId}`,
      splices: [{ offset: record.offset, removed: oldHeader, inserted: newHeader }], warnings,
    },
  };
}

/** Overwrites raw bytes (never inserts); record framing bytes need `force`. */
export function planRawEdit(model: StreamModel, offset: number, current: Uint8Array, bytes: Uint8Array, opts: PlanOptions = {}): Plan {
  if (offset < 0 || offset + bytes.length > model.fileSize) return { ok: false, reason: `bytes 0x${offset.toString(16)}+${bytes.length} are outside the file` };
  if (current.length !== bytes.length) return { ok: false, reason: 'raw edits overwrite; they never change the size' };
  const warnings: string[] = [];
  const end = offset + bytes.length;
  for (const r of model.records) {
    if (r.offset >= end || r.offset + r.size <= offset) continue;
    const framing = r.kind === 'section' && (offset < r.dataOffset! || (r.footerOffset !== undefined && end > r.footerOffset));
    if (framing || r.kind === 'header' || r.kind === 'eof' || r.kind === 'command') {
      const reason = `bytes 0x${offset.toString(16)}-0x${(end - 1).toString(16)} touch the framing of ${r.idstr ?? r.kind}; edit the header through its fields`;
      if (!opts.force) return { ok: false, reason };
      warnings.push(reason);
    }
    if (r.heuristic) warnings.push(`${r.idstr}: its end was found by a heuristic`);
  }
  return {
    ok: true,
    action: {
      kind: 'raw', label: `bytes at 0x${offset.toString(16)}`, path: `0x${offset.toString(16)}`,
      before: bytesToHex(current), after: bytesToHex(bytes), splices: [{ offset, removed: current.slice(), inserted: bytes.slice() }], warnings,
    },
  };
}
