// Decodes the data of one START/FULL/PART/END record: tries each description in order of trust,
// confirms the end against the footer or the next record, and falls back to delimiting the
// section by its footer (or, without footers, by a heuristic) with the bytes shown raw.

import { Cursor, NeedMoreData, type Window } from './cursor.ts';
import { DecodeError, escapeText, makeProblem, type Problem } from './errors.ts';
import { decodeLeaf } from './field-types/index.ts';
import type { DescriptionCandidate } from './descriptions.ts';
import { sectionLabel, type DescriptionSource, type FieldNode } from './model.ts';
import { findFooter, findNextHeader, plausibleRecordStart, REC } from './records.ts';
import { decodeVirtioField } from './virtio/virtio-state.ts';
import { decodeBody, newContext, type TopElement } from './vmsd-decoder.ts';

/** Bytes after a section's end that must be in the window to judge what follows. */
const LOOKAHEAD = 300;

export interface FramingState {
  /** null until the first section tells. */
  footers: boolean | null;
  /** Section ids opened by START records (PART/END refer to them). */
  knownIds: Set<number>;
  /** Inside a PACKAGED sub-stream: the absolute offset of its closing EOF. */
  packageEof?: number;
}

/** The package's EOF as an index into the window, or -1. */
function packageEofIn(win: Window, framing: FramingState): number {
  return framing.packageEof === undefined ? -1 : framing.packageEof - win.base;
}

export interface SectionData {
  fields: FieldNode[];
  decodedBy: DescriptionSource;
  vmsdName?: string;
  /** Bundled library: which QEMU versions / machines the description that decoded the section came from. */
  describedBy?: string;
  describedVersions?: string[];
  /** End of the data (footer or next record starts here). */
  dataEnd: number;
  footer: boolean;
  exact: boolean;
  heuristic: boolean;
  problems: Problem[];
}

function footerAt(win: Window, at: number, id: number): boolean {
  const i = at - win.base;
  const b = win.bytes;
  return i + 5 <= b.length && b[i] === REC.SECTION_FOOTER && ((b[i + 1] << 24) | (b[i + 2] << 16) | (b[i + 3] << 8) | b[i + 4]) >>> 0 === id;
}

function needLookahead(win: Window, at: number): void {
  if (!win.atEnd && at + LOOKAHEAD > win.base + win.bytes.length) throw new NeedMoreData(at, LOOKAHEAD);
}

/** Does the section end at `end`? Updates framing.footers the first time it can tell. */
function endsAt(win: Window, end: number, id: number, framing: FramingState): { ok: boolean; footer: boolean } {
  needLookahead(win, end);
  // The file ends right after the data: the section is whole, the missing EOF is reported later.
  if (win.atEnd && end === win.base + win.bytes.length) return { ok: true, footer: false };
  const hasFooter = footerAt(win, end, id);
  const fileEnd = win.atEnd;
  // A footer naming this very section right where its described data ends is proof enough,
  // whatever follows: damage in the next record belongs to the next record.
  if (framing.footers !== false && hasFooter) {
    framing.footers = true;
    return { ok: true, footer: true };
  }
  if (framing.footers !== true && plausibleRecordStart(win.bytes, end - win.base, framing.knownIds, fileEnd, packageEofIn(win, framing))) {
    framing.footers = false;
    return { ok: true, footer: false };
  }
  return { ok: false, footer: false };
}

/** Where a description ends a section, without its fields (a frame-only trial: vmsd-decoder.ts). */
export interface Framing {
  dataEnd: number;
  footer: boolean;
  exact: boolean;
  heuristic: boolean;
}

/**
 * The section the data belongs to, from its header: the idstr names the device (and, for the virtio
 * decoder, its transport), and with the instance id makes the label of paths and messages.
 */
export interface SectionName {
  idstr: string;
  instanceId: number;
}

/** One candidate tried: its decode (built), where it ends (framed only), or why it does not fit. */
type Outcome = { ok: true; data: SectionData } | { ok: true; framed: Framing } | { ok: false; problem: Problem };

export function decodeSectionData(
  win: Window,
  dataStart: number,
  sectionId: number,
  section: SectionName,
  candidates: DescriptionCandidate[],
  framing: FramingState,
): SectionData {
  const label = sectionLabel(section.idstr, section.instanceId);
  const failures: Problem[] = [];
  let bundledTried = 0;
  let bundledError: { problem: Problem; cand: DescriptionCandidate; framed: boolean } | null = null;
  // Of several bundled candidates usually one fits: each is framed first and only the one that
  // fits is built, so the others make no field trees (issue #12: e1000e, 136 KB, three layouts).
  const trials = candidates.filter((c) => c.source === 'bundled').length > 1;
  for (const cand of candidates) {
    const bundled = cand.source === 'bundled';
    if (bundled) bundledTried++;
    const frameFirst = trials && bundled;
    const saved = framing.footers;
    let o = tryCandidate(win, dataStart, sectionId, section, cand, framing, !frameFirst);
    if (o.ok && frameFirst) {
      framing.footers = saved;
      o = tryCandidate(win, dataStart, sectionId, section, cand, framing, true);
      // The same walk with and without nodes: a disagreement is a bug of ours, never of the file.
      if (!o.ok) throw new Error(`${label}: a description that framed the section failed to decode it (${o.problem.message})`);
    }
    if (!o.ok) {
      if (!bundled) failures.push(o.problem);
      else bundledError ??= { problem: o.problem, cand, framed: frameFirst };
      continue;
    }
    if (!('data' in o)) throw new Error('unreachable: a built decode gives data');
    return { ...o.data, problems: [...failures.map(asWarning), ...o.data.problems] };
  }
  if (bundledError) {
    // A framed trial's error names no field path: the full decode of that candidate does.
    let { problem } = bundledError;
    if (bundledError.framed) {
      const o = tryCandidate(win, dataStart, sectionId, section, bundledError.cand, framing, true);
      if (!o.ok) problem = o.problem;
    }
    failures.push({ ...problem, message: `none of ${bundledTried} bundled description(s) fits; first: ${problem.message}` });
  }
  return delimitRaw(win, dataStart, sectionId, label, candidates.length === 0, failures, framing);
}

/**
 * Where the first of `candidates` that fits ends the section, each tried frame-only (no field
 * tree); null when none fits. The same answer as decodeSectionData's with the same candidates
 * (framing.test.ts checks it on every real fixture), for callers that only ask whether and how a
 * layout frames (version-consensus.ts).
 */
export function frameSectionData(win: Window, dataStart: number, sectionId: number, section: SectionName, candidates: DescriptionCandidate[], framing: FramingState): Framing | null {
  for (const cand of candidates) {
    const o = tryCandidate(win, dataStart, sectionId, section, cand, framing, false);
    if (o.ok) return 'framed' in o ? o.framed : o.data;
  }
  return null;
}

/** Decodes (build) or frames (!build) the section with one candidate; framing.footers as decodeSectionData leaves it. */
function tryCandidate(win: Window, dataStart: number, sectionId: number, section: SectionName, cand: DescriptionCandidate, framing: FramingState, build: boolean): Outcome {
  const label = sectionLabel(section.idstr, section.instanceId);
  const ctx = newContext(cand.strict, cand.subsections, build);
  ctx.virtio = (c, node, size) => decodeVirtioField(c, node, size, section.idstr, cand.body.vmsd_name ?? '', ctx);
  const c = new Cursor(win, dataStart, label);
  let fields: FieldNode[];
  try {
    fields = decodeBody(c, cand.body, `${label}/`, ctx);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    // A truncated file is not a description problem: report it as it is. But a bundled
    // description is a guess made on another machine: reading past the end of the file may
    // only mean the guess is wrong, so the section is delimited by its footer (delimitRaw
    // still reports the truncation if no footer ends it).
    if (e.code === 'truncated' && cand.source !== 'bundled') throw e;
    return { ok: false, problem: makeProblem('description-mismatch', e.offset, `${cand.source} description: ${e.expected}`, e.path) };
  }
  const saved = framing.footers;
  const end = endsAt(win, c.pos, sectionId, framing);
  const wrong = end.ok ? null : wrongFooter(win, c.pos, framing);
  const result = (f: Framing, problems: Problem[]): Outcome =>
    build ? { ok: true, data: { fields, decodedBy: cand.source, vmsdName: cand.body.vmsd_name, ...origin(cand), ...f, problems } } : { ok: true, framed: f };
  if (wrong !== null) {
    // savevm.c check_section_footer: the data decoded, but the footer names another section.
    framing.footers = true;
    const p = makeProblem('footer-mismatch', c.pos, `Mismatched section id in footer for ${escapeText(label)} - read 0x${wrong.toString(16)} expected 0x${sectionId.toString(16)}`, label);
    return result({ dataEnd: c.pos, footer: true, exact: true, heuristic: false }, [...ctx.problems, p]);
  }
  if (!end.ok && win.atEnd && partialFooterAtEnd(win, c.pos, sectionId)) {
    throw new DecodeError('truncated', c.pos, `a footer or the next record after the data of ${escapeText(label)}; the file ends here`, label);
  }
  const last = !end.ok && cand.source === 'bundled' ? lastElement(fields, ctx.last) : null;
  const elastic = last ? blobEnd(win, last.offset, sectionId, framing) : null;
  if (elastic) {
    const problems = build ? stretchLastBlob(win, fields[fields.length - 1], elastic) : [];
    return result({ dataEnd: elastic.end, footer: elastic.footer, exact: elastic.footer, heuristic: !elastic.footer }, [...ctx.problems, ...problems]);
  }
  if (!end.ok) {
    framing.footers = saved;
    return { ok: false, problem: makeProblem('description-mismatch', c.pos, `${cand.source} description ends here, but no footer or next record follows`, label) };
  }
  return result({ dataEnd: c.pos, footer: end.footer, exact: true, heuristic: false }, ctx.problems);
}

function origin(cand: DescriptionCandidate): { describedBy?: string; describedVersions?: string[] } {
  return cand.body.describedBy ? { describedBy: cand.body.describedBy, describedVersions: cand.body.versions } : {};
}

/** Types whose length is a property of the captured state, not of the schema (format.md §3.10). */
const STATE_SIZED = new Set(['virtio', 'buffer']);

/** The section's last top-level element when it is a state-sized blob: from the tree, or from a frame-only walk. */
function lastElement(fields: FieldNode[], framed: TopElement | undefined): { offset: number } | null {
  const node = fields[fields.length - 1];
  const last = node ? { type: node.type, offset: node.offset, leaf: !node.children } : framed;
  // A virtio state decoded by its layout (virtio/) that still does not end the section: the layout
  // was wrong for this device, so it goes back to being bytes, stretched like any blob.
  return last && (last.leaf || last.type === 'virtio') && STATE_SIZED.has(last.type) ? last : null;
}

/**
 * A bundled description fixes the size of a trailing virtio blob (or old-style data) as it was
 * in the probe; here it may be longer or shorter. If everything before it decoded, let the blob
 * (starting at `from`) run to the footer (certain) or to the next header (heuristic).
 */
function blobEnd(win: Window, from: number, sectionId: number, framing: FramingState): { end: number; footer: boolean } | null {
  const i0 = from - win.base;
  if (framing.footers !== false) {
    const i = findFooter(win.bytes, i0, sectionId, framing.knownIds, win.atEnd, packageEofIn(win, framing));
    if (i >= 0) return { end: i + win.base, footer: true };
  }
  if (framing.footers !== true) {
    const i = findNextHeader(win.bytes, i0, win.atEnd);
    if (i >= 0) return { end: i + win.base, footer: false };
  }
  return null;
}

/** The trailing blob `last` made to run to `to.end`: its new size and bytes, and the problems saying so. */
function stretchLastBlob(win: Window, last: FieldNode, to: { end: number; footer: boolean }): Problem[] {
  const { end, footer } = to;
  // What the bundled description (or, for a virtio state decoded by its layout, that layout) said.
  const described = `${last.size} in the ${last.children ? 'layout virtio_save writes' : 'bundled description'}`;
  last.size = end - last.offset;
  last.kind = 'leaf';
  delete last.children;
  last.value = decodeLeaf(new Cursor(win, last.offset), 'buffer', last.size);
  const problems = [makeProblem('size-mismatch', last.offset, `${escapeText(last.type)} state is ${last.size} bytes here, ${described}; its end was found by ${footer ? 'the footer' : 'the next section header'}`, last.path)];
  if (!footer) problems.push(makeProblem('heuristic-boundary', end, 'section end found by searching for the next section header (display only; not editable)', last.path));
  return problems;
}

/** The file ends at `at`, or inside a footer `7E <id>` that starts there. */
function partialFooterAtEnd(win: Window, at: number, id: number): boolean {
  const i = at - win.base;
  const b = win.bytes;
  if (i + 5 <= b.length) return false;
  const footer = [REC.SECTION_FOOTER, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  for (let k = i; k < b.length; k++) if (b[k] !== footer[k - i]) return false;
  return true;
}

/** `7E <some other id>` followed by a plausible record: the id it names, else null. */
function wrongFooter(win: Window, at: number, framing: FramingState): number | null {
  if (framing.footers === false) return null;
  const i = at - win.base;
  const b = win.bytes;
  if (i + 5 > b.length || b[i] !== REC.SECTION_FOOTER) return null;
  if (!plausibleRecordStart(b, i + 5, framing.knownIds, win.atEnd, packageEofIn(win, framing))) return null;
  return ((b[i + 1] << 24) | (b[i + 2] << 16) | (b[i + 3] << 8) | b[i + 4]) >>> 0;
}

function asWarning(p: Problem): Problem {
  return { ...p, severity: 'warning' };
}

/** No description fits: find the end by the footer, else by the next plausible header. */
function delimitRaw(win: Window, dataStart: number, sectionId: number, label: string, noDescription: boolean, failures: Problem[], framing: FramingState): SectionData {
  const b = win.bytes;
  const from = dataStart - win.base;
  const problems: Problem[] = failures.map(asWarning);
  let end = -1;
  let footer = false;
  let heuristic = false;
  if (framing.footers !== false) {
    const i = findFooter(b, from, sectionId, framing.knownIds, win.atEnd, packageEofIn(win, framing));
    if (i >= 0) {
      end = i + win.base;
      footer = true;
      framing.footers = true;
    }
  }
  if (end < 0 && framing.footers !== true) {
    const i = findNextHeader(b, from, win.atEnd);
    if (i >= 0) {
      end = i + win.base;
      heuristic = true;
      // No `7E <id>` anywhere up to the next header: this file has no footers.
      framing.footers = false;
      problems.push(makeProblem('heuristic-boundary', end, 'section end found by searching for the next section header (display only; not editable)', label));
    }
  }
  if (end < 0) {
    if (!win.atEnd) throw new NeedMoreData(dataStart, b.length - from + 1);
    throw new DecodeError(framing.footers ? 'missing-footer' : 'truncated', dataStart, framing.footers ? `a footer 7E ${hex32(sectionId)} ending ${escapeText(label)}` : `the end of ${escapeText(label)}`, label);
  }
  needLookahead(win, end);
  // The title already says there is no description: the message says what was done instead.
  if (noDescription) problems.unshift(makeProblem('no-description', dataStart, `delimited by ${footer ? 'its footer' : 'the next section header'} and shown as raw bytes`, label));
  const c = new Cursor(win, dataStart, label);
  const size = end - dataStart;
  const fields: FieldNode[] = size > 0 ? [{ name: 'data', path: `${label}/data`, kind: 'opaque', type: 'buffer', offset: dataStart, size, value: decodeLeaf(c, 'buffer', size) }] : [];
  return { fields, decodedBy: 'none', dataEnd: end, footer, exact: false, heuristic, problems };
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
