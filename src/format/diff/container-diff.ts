// What two libvirt save images differ in outside their QEMU streams: the header's was_running
// (libvirt resumes the guest after a restore, or leaves it paused) and the domain XML (the guest
// libvirt defines on restore). Either changes what `virsh restore` does with the same device
// state, so a diff that compared the streams alone called two such images equal.
import type { ContainerInfo } from '../container/types.ts';
import { ignoreMatcher } from './ignore.ts';

export interface ContainerFieldDiff {
  /** As `set` names it: libvirt/was_running, libvirt/xml. */
  path: 'libvirt/was_running' | 'libvirt/xml';
  left: string;
  right: string;
  /** libvirt/xml: the first differing line (1-based) and how many lines differ. */
  line?: number;
  lines?: number;
}

/** The differences, in the order `set` lists the paths; none unless both files are libvirt images. */
export function libvirtDiff(left: ContainerInfo | null | undefined, right: ContainerInfo | null | undefined, ignore: readonly string[] = []): ContainerFieldDiff[] {
  const a = left?.libvirt;
  const b = right?.libvirt;
  if (!a || !b) return [];
  const skip = ignoreMatcher(ignore);
  const out: ContainerFieldDiff[] = [];
  if (a.header.wasRunning !== b.header.wasRunning && !skip.matches('libvirt', 'was_running')) {
    out.push({ path: 'libvirt/was_running', left: String(a.header.wasRunning), right: String(b.header.wasRunning) });
  }
  if (a.xml !== b.xml && !skip.matches('libvirt', 'xml')) {
    const la = a.xml.split('\n');
    const lb = b.xml.split('\n');
    const differing = Array.from({ length: Math.max(la.length, lb.length) }, (_, i) => i).filter((i) => la[i] !== lb[i]);
    const first = differing[0];
    out.push({ path: 'libvirt/xml', left: (la[first] ?? '(absent)').trim(), right: (lb[first] ?? '(absent)').trim(), line: first + 1, lines: differing.length });
  }
  return out;
}

/** One line each, as field differences print: `PATH: LEFT -> RIGHT`. */
export function containerLines(diffs: readonly ContainerFieldDiff[]): string[] {
  return diffs.map((d) => (d.path === 'libvirt/xml' ? `libvirt/xml: line ${d.line}: ${d.left} -> ${d.right}${d.lines! > 1 ? ` (${d.lines} lines differ)` : ''}` : `${d.path}: ${d.left} -> ${d.right}`));
}
