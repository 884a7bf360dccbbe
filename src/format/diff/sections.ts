// Device differences of two decoded files: records aligned by idstr and instance id (never by
// position or section id, which both shift as soon as one file has a section more), then each
// pair compared field by field. The RAM is compared apart (ram-diff.ts).

import { sectionLabel, type StreamModel, type StreamRecord } from '../model.ts';
import { compareFields, type RawRead } from './fields.ts';
import { ignoreMatcher } from './ignore.ts';
import type { DiffResult, FileSummary, SectionDiff, SectionRef, SectionStatus } from './types.ts';

export interface DiffSide {
  name: string;
  model: StreamModel;
  read: RawRead;
}

export interface DiffOptions {
  ignore?: readonly string[];
}

/**
 * A record's key: "idstr (instance)" for FULL and START records, with the record kind and a
 * count for PART/END records of iterable sections; "configuration" for the configuration.
 * Commands, EOF, the header and the vmdesc carry no device state and are not compared.
 */
function keyed(model: StreamModel): Map<string, StreamRecord> {
  const out = new Map<string, StreamRecord>();
  const seen = new Map<string, number>();
  for (const r of model.records) {
    if (r.kind === 'configuration') out.set('configuration', r);
    if (r.kind !== 'section') continue;
    const label = sectionLabel(r.idstr ?? `#${r.sectionId}`, r.instanceId ?? 0);
    if (r.sectionType === 'full' || r.sectionType === 'start') {
      if (!out.has(label)) out.set(label, r);
      continue;
    }
    if (isRam(r)) continue; // its PART/END records are pages: compared by ram-diff.ts
    const k = `${label} ${r.sectionType}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    out.set(`${k} #${n}`, r);
  }
  return out;
}

function ref(r: StreamRecord): SectionRef {
  return {
    recordIndex: r.index, versionId: r.versionId ?? 0, offset: r.offset, size: r.size,
    dataOffset: r.dataOffset ?? r.offset, dataSize: r.dataSize ?? 0, decodedBy: r.decodedBy,
  };
}

function summary(s: DiffSide): FileSummary {
  return { name: s.name, size: s.model.fileSize, variant: s.model.variant, machine: s.model.machine, sections: s.model.records.filter((r) => r.kind === 'section').length };
}

/** Largest section data compared byte for byte to tell a layout difference from a change. */
const SAME_DATA_MAX = 16 * 1024 * 1024;

async function sameData(l: StreamRecord, r: StreamRecord, readLeft: DiffSide['read'], readRight: DiffSide['read']): Promise<boolean> {
  const n = l.dataSize ?? -1;
  if (n < 0 || n !== r.dataSize || n > SAME_DATA_MAX || l.dataOffset === undefined || r.dataOffset === undefined) return false;
  const [a, b] = await Promise.all([readLeft(l.dataOffset, n), readRight(r.dataOffset, n)]);
  return a.length === n && b.length === n && a.every((x, i) => x === b[i]);
}

function describedBy(r: StreamRecord): string {
  const v = r.describedVersions?.length ? ` (QEMU ${r.describedVersions.join(', ')})` : '';
  return r.decodedBy === 'vmdesc' ? 'by its own description' : r.decodedBy === 'bundled' ? `by the bundled description${v}` : `by ${r.decodedBy ?? 'none'}`;
}

/** RAM START/PART/END records are compared page by page, not as fields. */
const isRam = (r: StreamRecord) => r.idstr === 'ram' && r.instanceId === 0;

export async function diffSections(left: DiffSide, right: DiffSide, opts: DiffOptions = {}): Promise<DiffResult> {
  const ignore = ignoreMatcher(opts.ignore ?? []);
  const lk = keyed(left.model);
  const rk = keyed(right.model);
  const sections: SectionDiff[] = [];
  for (const [key, l] of lk) {
    const r = rk.get(key);
    const base = { key, idstr: l.idstr ?? key, instanceId: l.instanceId ?? 0, fields: [], subsections: [], ignored: 0, unlisted: 0, notes: [] as string[] };
    if (!r) {
      sections.push({ ...base, status: ignore.matches(key, '') ? 'same' : 'only-left', left: ref(l), ignored: ignore.matches(key, '') ? 1 : 0 });
      continue;
    }
    const d: SectionDiff = { ...base, status: 'same', left: ref(l), right: ref(r) };
    if (isRam(l)) {
      d.notes.push('RAM is compared page by page (see the RAM comparison)');
    } else if (key === 'configuration' || !ignore.matches(key, '')) {
      const label = key === 'configuration' ? 'configuration' : sectionLabel(l.idstr ?? '', l.instanceId ?? 0);
      const c = await compareFields({ left: l, right: r, readLeft: left.read, readRight: right.read }, label, ignore);
      Object.assign(d, { fields: c.fields, subsections: c.subsections, ignored: c.ignored, unlisted: c.unlisted, notes: c.notes });
    } else {
      d.ignored = 1;
    }
    const differs = d.fields.length > 0 || d.subsections.length > 0 || d.unlisted > 0;
    if (differs && (await sameData(l, r, left.read, right.read))) {
      // Two descriptions lay the same bytes out differently (QEMU 10.0's hpet num_timers_save,
      // or a description-less file decoded first-fit by another version's layout).
      d.notes.push(`the section's data bytes are identical: the differences are in how the two descriptions lay them out (left ${describedBy(l)}, right ${describedBy(r)})`);
    }
    d.status = (l.versionId ?? 0) !== (r.versionId ?? 0) ? 'version' : differs ? 'changed' : 'same';
    sections.push(d);
  }
  // Sections only on the right go after their nearest right-side predecessor that is listed.
  let after = -1;
  for (const [key, r] of rk) {
    const at = sections.findIndex((s) => s.key === key);
    if (at >= 0) {
      after = at;
      continue;
    }
    const ignored = ignore.matches(key, '');
    const d: SectionDiff = {
      key, idstr: r.idstr ?? key, instanceId: r.instanceId ?? 0, status: ignored ? 'same' : 'only-right', right: ref(r),
      fields: [], subsections: [], ignored: ignored ? 1 : 0, unlisted: 0, notes: [],
    };
    sections.splice(++after, 0, d);
  }
  const counts: Record<SectionStatus, number> = { same: 0, changed: 0, 'only-left': 0, 'only-right': 0, version: 0 };
  for (const s of sections) counts[s.status]++;
  return {
    left: summary(left), right: summary(right), sections, counts, ignore: ignore.patterns,
    equal: sections.every((s) => s.status === 'same'),
  };
}
