// The comparison as the CLI prints it: one line per difference, `IDSTR (INSTANCE)/PATH: LEFT -> RIGHT`,
// then a differing section's notes as `IDSTR (INSTANCE): NOTE`,
// and as JSON (RAM pictures as digit strings, so the JSON stays readable).

import { containerLines } from './container-diff.ts';
import type { DiffResult, FieldDiff, SectionDiff } from './types.ts';

const ABSENT = '(absent)';

function fieldLine(label: string, f: FieldDiff): string {
  return `${label}/${f.path}: ${f.left?.text ?? ABSENT} -> ${f.right?.text ?? ABSENT}`;
}

export function sectionLines(s: SectionDiff): string[] {
  const label = s.key;
  if (s.status === 'only-left') return [`${label}: only in left`];
  if (s.status === 'only-right') return [`${label}: only in right`];
  const out: string[] = [];
  if (s.status === 'version') out.push(`${label}: version ${s.left?.versionId} -> ${s.right?.versionId}`);
  for (const sub of s.subsections) {
    if (sub.status === 'version') out.push(`${label}/${sub.path}: subsection version ${sub.leftVersion} -> ${sub.rightVersion}`);
    else out.push(`${label}/${sub.path}: subsection only in ${sub.status === 'only-left' ? 'left' : 'right'}`);
  }
  for (const f of s.fields) out.push(fieldLine(label, f));
  if (s.unlisted) out.push(`${label}: ${s.unlisted} more differing byte(s) not listed`);
  // What --json carries beside the fields: the same bytes read through two layouts, fields
  // compared as bytes. Without it a layout-only difference reads like a change of state.
  if (s.status !== 'same') for (const n of s.notes) out.push(`${label}: ${n}`);
  return out;
}

/**
 * The two files hold the same state: devices, RAM (when compared) and a libvirt image's own fields.
 * `DiffResult.equal` covers the devices only; the CLI's exit code and the summary's first word both
 * follow this, so a RAM-only or libvirt-only difference never reads "equal" beside exit code 1.
 */
export function wholeEqual(d: DiffResult): boolean {
  return d.equal && !d.container?.length && !d.ram?.differing && !d.ram?.blocks.some((b) => b.only || b.unknown);
}

export function diffText(d: DiffResult): string {
  const lines: string[] = [];
  for (const s of d.sections) lines.push(...sectionLines(s));
  if (d.ram) {
    for (const b of d.ram.blocks) {
      if (b.only) lines.push(`ram block ${b.name}: only in ${b.only}`);
      else if (b.differing || b.unknown) lines.push(`ram block ${b.name}: ${b.differing} of ${b.pages} page(s) differ${b.unknown ? `, ${b.unknown} not comparable (XBZRLE/compressed)` : ''}`);
    }
  }
  lines.push(...containerLines(d.container ?? []));
  const ignored = d.sections.reduce((n, s) => n + s.ignored, 0);
  const c = d.counts;
  lines.push(`${wholeEqual(d) ? 'equal' : 'differ'}: ${c.changed} changed, ${c.version} version differs, ${c['only-left']} only left, ${c['only-right']} only right, ${c.same} same` +
    (ignored ? `; ${ignored} difference(s) ignored` : '') + (d.ram ? `; RAM: ${d.ram.differing} page(s) differ` : '') + (d.container?.length ? `; libvirt: ${d.container.length} difference(s)` : ''));
  return lines.join('\n') + '\n';
}

export function diffJson(d: DiffResult): unknown {
  if (!d.ram) return d;
  return { ...d, ram: { ...d.ram, blocks: d.ram.blocks.map((b) => ({ ...b, cells: Array.from(b.cells).join('') })) } };
}
