// Scanning a second device-state file of the same guest (issue #13's comparison) decodes ~55,000
// field nodes of the q35 device state again, though nearly every section holds the same bytes as
// in the file already open. A section whose data and footer are byte for byte those of the other
// file's section, decoded by the same bundled descriptions under the same framing, decodes to the
// same fields (decoding is a function of those bytes, the candidate descriptions and whether
// sections have footers: section-decoder.ts decodeSectionData), so the other file's fields are
// taken, moved to this file's offsets. scan-reuse.test.ts checks the result equals a full decode
// on real QEMU pairs.

import { equalBytes } from './bytes-equal.ts';
import type { Window } from './cursor.ts';
import type { FieldNode, SectionType, StreamModel, StreamRecord } from './model.ts';
import { sectionLabel } from './model.ts';
import { REC } from './records.ts';
import type { FramingState } from './section-decoder.ts';

export interface ReuseFrom {
  /** The other file's model, scanned with the same description library. */
  model: StreamModel;
  /** The other file's bytes (device-state files are small; see the caller's limit). */
  bytes: Uint8Array;
}

/** What the decode of a section adds to its header's fields: everything but where it is and what it is called. */
export type ReusedSection = Omit<StreamRecord, 'index' | 'depth' | 'kind' | 'sectionType' | 'offset' | 'sectionId' | 'idstr' | 'instanceId' | 'versionId' | 'dataOffset'>;

function shifted(nodes: readonly FieldNode[], delta: number): FieldNode[] {
  return nodes.map((n) => ({ ...n, offset: n.offset + delta, ...(n.children ? { children: shifted(n.children, delta) } : {}) }));
}

export class SectionReuse {
  private readonly byLabel = new Map<string, StreamRecord>();
  /** The other file's record each taken section came from, by this file's data offset. */
  private readonly taken = new Map<number, StreamRecord>();

  constructor(private readonly from: ReuseFrom) {
    for (const r of from.model.records) {
      // Only sections a bundled description decoded exactly, whole, with a footer: the decode
      // that made them read nothing but their data and the footer that confirmed the end.
      if (r.kind !== 'section' || r.sectionType !== 'full' || r.depth !== 0 || r.decodedBy !== 'bundled' || !r.exact || r.heuristic) continue;
      if (r.footerOffset === undefined || r.dataOffset === undefined || r.dataSize === undefined || !r.fields) continue;
      const label = sectionLabel(r.idstr!, r.instanceId!);
      if (!this.byLabel.has(label)) this.byLabel.set(label, r);
    }
  }

  /**
   * The other file's section `label` moved to `dataStart`, when this file's section there holds
   * the same bytes; null when it must be decoded. Only where footers are known to be used (the
   * decoder then ends a section at its footer and reads nothing after it).
   */
  take(win: Window, pos: number, dataStart: number, sectionId: number, label: string, sectionType: SectionType, versionId: number, framing: FramingState): ReusedSection | null {
    if (sectionType !== 'full' || framing.footers !== true) return null;
    const r = this.byLabel.get(label);
    if (!r || r.versionId !== versionId || r.dataOffset! - r.offset !== dataStart - pos) return null;
    const n = r.dataSize!;
    const at = dataStart - win.base;
    const b = win.bytes;
    if (at < 0 || at + n + 5 > b.length) return null;
    const theirs = this.from.bytes.subarray(r.dataOffset!, r.dataOffset! + n);
    if (theirs.length !== n) return null;
    if (!equalBytes(b, at, theirs, 0, n)) return null;
    // This file's own footer for this section id (ids may differ between the files).
    const f = at + n;
    if (b[f] !== REC.SECTION_FOOTER || ((b[f + 1] << 24) | (b[f + 2] << 16) | (b[f + 3] << 8) | b[f + 4]) >>> 0 !== sectionId) return null;
    const delta = dataStart - r.dataOffset!;
    // A problem's text may name offsets: taken only where nothing moved.
    if (delta !== 0 && r.problems.length) return null;
    this.taken.set(dataStart, r);
    // Every decoded property of the record (description, versions, exactness, ...), new offsets.
    const { index: _i, depth: _d, kind: _k, sectionType: _t, offset: _o, sectionId: _s, idstr: _n, instanceId: _in, versionId: _v, dataOffset: _do, ...decoded } = r;
    return {
      ...decoded, size: dataStart + n + 5 - pos, dataSize: n, footerOffset: dataStart + n,
      // The same bytes at the same offsets: the very nodes (never mutated once scanned).
      fields: delta === 0 ? r.fields : shifted(r.fields!, delta),
      problems: r.problems.map((p) => ({ ...p })),
    };
  }

  /** The other file's record `r`'s bytes were taken from (version-consensus.ts asks the same of both). */
  source(r: StreamRecord): StreamRecord | undefined {
    return r.dataOffset === undefined ? undefined : this.taken.get(r.dataOffset);
  }
}
