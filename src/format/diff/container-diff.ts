// What two libvirt save images differ in outside their QEMU streams: the header's was_running
// (libvirt resumes the guest after a restore, or leaves it paused), its compression format, and
// the domain and cookie XML (the guest libvirt defines on restore, and the host facts it checks).
// Either changes what `virsh restore` does with the same device state, so a diff that compared
// the streams alone called two such images equal. The CLI's `diff` and the page's comparison
// both report them from here.
import { formatName } from '../container/libvirt.ts';
import type { ContainerInfo, LibvirtInfo } from '../container/types.ts';
import { ignoreMatcher } from './ignore.ts';
import { changedLineCount, lineHunks, type TextHunk } from './line-diff.ts';

export type ContainerDiffPath = 'libvirt/was_running' | 'libvirt/compressed' | 'libvirt/xml' | 'libvirt/cookie';

export interface ContainerFieldDiff {
  /** As the header's fields are named (and `set` takes libvirt/was_running, libvirt/xml). */
  path: ContainerDiffPath;
  /**
   * was_running as the header field shows it (true, false, or another number as is); compressed
   * as "gzip (1)"; xml and cookie: the first changed line, trimmed, or "(absent)".
   */
  left: string;
  right: string;
  /** xml, cookie: the first changed line (1-based, in the left text) and how many lines differ. */
  line?: number;
  lines?: number;
  /** xml, cookie: every changed run of lines (line-diff.ts). */
  hunks?: TextHunk[];
}

const ABSENT = '(absent)';

/** libvirt stores 0 or 1 (qemu_saveimage.c); another value is shown as the number it is. */
function running(lv: LibvirtInfo): string {
  const v = lv.header.wasRunning;
  return v === 1 ? 'true' : v === 0 ? 'false' : String(v);
}

function textDiff(path: 'libvirt/xml' | 'libvirt/cookie', a: string, b: string): ContainerFieldDiff {
  const hunks = lineHunks(a, b);
  const first = hunks[0];
  return { path, left: first.removed[0]?.trim() ?? ABSENT, right: first.added[0]?.trim() ?? ABSENT, line: first.leftLine, lines: changedLineCount(hunks), hunks };
}

/** The differences, in header order then the texts; none unless both files are libvirt images. */
export function libvirtDiff(left: ContainerInfo | null | undefined, right: ContainerInfo | null | undefined, ignore: readonly string[] = []): ContainerFieldDiff[] {
  const a = left?.libvirt;
  const b = right?.libvirt;
  if (!a || !b) return [];
  const skip = ignoreMatcher(ignore);
  const keep = (path: ContainerDiffPath) => !skip.matches('libvirt', path.slice('libvirt/'.length));
  const out: ContainerFieldDiff[] = [];
  if (a.header.wasRunning !== b.header.wasRunning && keep('libvirt/was_running')) out.push({ path: 'libvirt/was_running', left: running(a), right: running(b) });
  if (a.header.format !== b.header.format && keep('libvirt/compressed')) {
    out.push({ path: 'libvirt/compressed', left: `${formatName(a.header.format)} (${a.header.format})`, right: `${formatName(b.header.format)} (${b.header.format})` });
  }
  if (a.xml !== b.xml && keep('libvirt/xml')) out.push(textDiff('libvirt/xml', a.xml, b.xml));
  if ((a.cookie ?? '') !== (b.cookie ?? '') && keep('libvirt/cookie')) out.push(textDiff('libvirt/cookie', a.cookie ?? '', b.cookie ?? ''));
  return out;
}

/** As `diff` sets DiffResult.container: the list when both files are libvirt images (empty: they agree), else none. */
export function containerDiff(left: ContainerInfo | null | undefined, right: ContainerInfo | null | undefined, ignore: readonly string[] = []): ContainerFieldDiff[] | undefined {
  return left?.libvirt && right?.libvirt ? libvirtDiff(left, right, ignore) : undefined;
}

/** One line each, as field differences print: `PATH: LEFT -> RIGHT`. */
/** Changed XML lines `diff` prints under a text's line; `--json` has them all. */
export const TEXT_HUNK_LINES = 40;

export function containerLines(diffs: readonly ContainerFieldDiff[]): string[] {
  return diffs.flatMap((d) => {
    if (!d.hunks) return [`${d.path}: ${d.left} -> ${d.right}`];
    // The first change on one line (grep-able), then the changed lines themselves, indented, as
    // `diff -U0` prints them: what an administrator compares after virsh save-image-edit.
    const { lines, more } = hunkLines(d, TEXT_HUNK_LINES);
    return [
      `${d.path}: line ${d.line}: ${d.left} -> ${d.right}${d.lines! > 1 ? ` (${d.lines} lines differ)` : ''}`,
      ...lines.map((l) => `  ${l}`),
      ...(more ? [`  … ${more} more line(s) (--json has them all)`] : []),
    ];
  });
}

/**
 * A text's changes as unified-diff lines without context ("@@ -12 +12 @@", "-old", "+new"), at
 * most `max` of them; `more` counts the lines left out. Text to show or copy, never markup.
 */
export function hunkLines(d: ContainerFieldDiff, max: number): { lines: string[]; more: number } {
  const lines: string[] = [];
  let more = 0;
  // Lines past `max` are counted, not built: a damaged image's XML may run to millions of lines.
  const add = (line: () => string) => (lines.length < max ? lines.push(line()) : more++);
  // As diff -U0 numbers a run: its first line and count, the line before an empty run.
  const range = (at: number, n: number) => (n === 1 ? `${at}` : `${n ? at : at - 1},${n}`);
  for (const h of d.hunks ?? []) {
    add(() => `@@ -${range(h.leftLine, h.removed.length)} +${range(h.rightLine, h.added.length)} @@`);
    if (lines.length >= max) {
      more += h.removed.length + h.added.length;
      continue;
    }
    for (const l of h.removed) add(() => `-${l}`);
    for (const l of h.added) add(() => `+${l}`);
  }
  return { lines, more };
}
