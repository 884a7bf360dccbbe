// Text and JSON renderings of a StreamModel for the CLI.
import { escapeText, formatProblem, oneLine } from '../format/errors.ts';
import { bytesToHex } from '../format/field-types/index.ts';
import type { FieldNode, StreamModel, StreamRecord } from '../format/model.ts';

const hex = (n: number | undefined) => (n === undefined ? '' : `0x${n.toString(16)}`);

function status(r: StreamRecord): string {
  const e = r.problems.find((p) => p.severity === 'error');
  if (e) return `error: ${oneLine(e.message)}`;
  const w = r.problems.find((p) => p.severity === 'warning');
  return w ? `warning: ${oneLine(w.message)}` : 'ok';
}

export function printTable(m: StreamModel): string {
  const rows = [['#', 'type', 'id', 'device', 'inst', 'ver', 'offset', 'size', 'decoded by', 'status']];
  for (const r of m.records) {
    rows.push([
      String(r.index), r.kind === 'section' ? r.sectionType! : r.kind === 'command' ? `cmd ${r.command?.name}` : r.kind,
      r.sectionId === undefined ? '' : String(r.sectionId), escapeText(r.idstr ?? ''), r.instanceId === undefined ? '' : String(r.instanceId),
      r.versionId === undefined ? '' : String(r.versionId), hex(r.offset), String(r.size), r.decodedBy ?? '', status(r).slice(0, 100),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const head = `${m.variant}${m.machine ? ` (${escapeText(m.machine)})` : ''}, ${m.fileSize} bytes, footers ${m.footers === null ? 'unknown' : m.footers ? 'on' : 'off'}, ${m.records.length} records${m.complete ? '' : ', INCOMPLETE'}`;
  const problems = m.problems.filter((p) => p.severity !== 'info').map(formatProblem);
  return [head, ...lines, ...(problems.length ? ['', `${problems.length} problem(s):`, ...problems.slice(0, 50)] : [])].join('\n') + '\n';
}

/** Field trees for JSON: byte values (Uint8Array in the model) print as hex, as the tree shows them. */
function jsonFields(nodes: FieldNode[]): unknown[] {
  return nodes.map((n) => ({
    ...n,
    ...(n.value instanceof Uint8Array ? { value: `${bytesToHex(n.value)}${n.value.length < n.size ? '…' : ''}` } : {}),
    ...(n.children ? { children: jsonFields(n.children) } : {}),
  }));
}

/** The model with the table's names (snake_case, as the issue specifies). */
export function modelJson(m: StreamModel): unknown {
  return {
    file_size: m.fileSize, variant: m.variant, machine: m.machine, likely_qemu: m.likelyQemu, footers: m.footers, page_size: m.pageSize, complete: m.complete,
    ram_blocks: m.ramBlocks,
    sections: m.records.map((r) => ({
      index: r.index, type: r.kind === 'section' ? r.sectionType : r.kind, section_id: r.sectionId, idstr: r.idstr,
      instance_id: r.instanceId, version_id: r.versionId, offset: r.offset, size: r.size, data_offset: r.dataOffset, data_size: r.dataSize,
      footer: r.footerOffset !== undefined, decoded_by: r.decodedBy, described_by: r.describedBy, exact: r.exact, command: r.command, ram: r.ram,
      problems: r.problems, fields: r.fields && jsonFields(r.fields),
    })),
    problems: m.problems,
  };
}
