// The load-time rules of format.md §11 as guards: what QEMU would reject is refused with the
// reason (`refuse`, unless forced), what it might accept but the user should know is a warning.

import { INT_TYPES, readInt } from '../field-types/index.ts';
import { valueBytes } from '../field-types/index.ts';
import type { FieldNode, StreamModel, StreamRecord } from '../model.ts';
import { walkFields } from './find.ts';

/** What the guards found: `refused` stops the edit; `forceable` stops it unless forced. */
export interface GuardResult {
  refused?: string;
  forceable: string[];
  warnings: string[];
}

/** Names that usually hold the length of a VARRAY/VBUFFER that follows (VMS_VARRAY_*, VMS_VBUFFER). */
const COUNT_NAME = /(^|[._])(n|nr|num|count|cnt|len|length|size|used|nb)([._\[]|$)|_(count|num|len|size|cnt)$|^(num|nb|nr|n)_/i;

/** PCI config bytes that are read-only on every device: ids, revision, class, header type. */
const PCI_READ_ONLY = new Set([0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x0e]);

function isIrqStateChild(fields: FieldNode[], node: FieldNode): boolean {
  for (const n of walkFields(fields)) if (n.type === 'pci irq state' && n.children?.includes(node)) return true;
  return false;
}

/** Guards for writing `bytes` into leaf `node` of `record`. */
export function fieldGuards(record: StreamRecord, node: FieldNode, path: string, bytes: Uint8Array): GuardResult {
  const out: GuardResult = { forceable: [], warnings: [] };
  const int = INT_TYPES[node.type];
  const newInt = int && int.bytes === node.size ? readInt(bytes, int.signed) : 0n;
  if (node.type.endsWith(' equal')) {
    out.warnings.push(`"${node.type}" must equal the destination's own value on load (vmstate-types.c get_*_equal), or QEMU refuses the file`);
  }
  if (node.type === 'int32 le') {
    if (newInt < 0n) return { ...out, refused: `"int32 le" must be >= 0 ("Invalid value ${newInt} expecting positive value <= ...")` };
    out.warnings.push('"int32 le" must be <= the destination\'s value (get_int32_le), or QEMU refuses the file');
  }
  // hw/pci/pci.c get_pci_irq_state: "irq state %d: must be 0 or 1."
  if (/\/pci irq state|\.irq_state\[\d\]$/.test(path) || (record.fields && isIrqStateChild(record.fields, node))) {
    if (newInt !== 0n && newInt !== 1n) return { ...out, refused: `a PCI irq state must be 0 or 1 ("irq state ${newInt}: must be 0 or 1.")` };
  }
  if (node.type === 'pci config') {
    // hw/pci/pci.c get_pci_config_device compares the read-only bits with the destination's.
    const old = valueBytes(node.value);
    const i = old ? [...PCI_READ_ONLY].find((k) => k < bytes.length && old[k] !== bytes[k]) : undefined;
    if (i !== undefined) out.forceable.push(`PCI config byte 0x${i.toString(16)} (ids/revision/class/header type) is read-only; QEMU rejects the change ("get_pci_config_device: Bad config data")`);
  }
  if (int && COUNT_NAME.test(node.name) && BigInt(typeof node.value === 'number' || typeof node.value === 'string' ? node.value : 0) !== newInt) {
    out.forceable.push(`"${node.name}" looks like a count or length that governs an array; changing it without resizing that data makes QEMU misparse everything after it`);
  }
  if (node.type === 'bool' && bytes[0] > 1) out.warnings.push('QEMU writes bools as 0/1; any non-zero byte loads as true');
  return out;
}

/** Guards for overwriting [offset, end): record framing bytes are refused unless forced. */
export function rawGuards(model: StreamModel, offset: number, end: number): GuardResult {
  const out: GuardResult = { forceable: [], warnings: [] };
  for (const r of model.records) {
    if (r.offset >= end || r.offset + r.size <= offset) continue;
    const framing = r.kind === 'section' && (offset < r.dataOffset! || (r.footerOffset !== undefined && end > r.footerOffset));
    if (framing || r.kind === 'header' || r.kind === 'eof' || r.kind === 'command') {
      out.forceable.push(`bytes 0x${offset.toString(16)}-0x${(end - 1).toString(16)} touch the framing of ${r.idstr ?? r.kind}; edit the header through its fields`);
    }
    if (r.heuristic) out.warnings.push(`${r.idstr}: its end was found by a heuristic`);
  }
  return out;
}

/** Guards for a new START/FULL header (migration/savevm.c qemu_loadvm_section_start_full). */
export function headerGuards(record: StreamRecord, idstr: string, instanceId: number, versionId: number): GuardResult {
  const out: GuardResult = { forceable: [], warnings: [] };
  if (idstr.length < 1 || idstr.length > 255 || /[^\x20-\x7e]/.test(idstr)) return { ...out, refused: 'an idstr is 1-255 printable ASCII characters' };
  for (const [name, v] of [['instance id', instanceId], ['version id', versionId]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return { ...out, refused: `${name} must be a 32-bit unsigned integer` };
  }
  if (versionId !== record.versionId) out.warnings.push(`QEMU refuses a version above its own and below the vmsd's minimum; the fields present depend on the version (format.md §3.1)`);
  return out;
}
