// Which QEMU wrote a file that carries no description? Each bundled candidate names the versions
// whose probes wrote its layout. First-fit decoding takes the first candidate whose end meets the
// footer or the next record, and layouts of different versions often fit the same bytes (QEMU
// 10.0's globalstate carves vm_was_suspended out of bytes 7.2 sent as part of `runstate`), so the
// first fit says little. After the scan, each version the sections named is tried on every
// library-decoded section: the versions whose descriptions frame all of them exactly as decoded
// are the file's likely QEMU. The sections keep their first fit: re-decoding them with the likely
// version's layouts would also have to happen in the quick re-decode after an edit
// (worker/quick-rescan.ts, devices-first.ts), which it does not yet.
// Framing alone cannot tell versions apart whose layouts are equal, so the fitting versions are then
// narrowed by what each QEMU's -dump-vmstate says it writes (vmstate-facts.ts): the section version
// ids and subsections only some versions have, and then by the order of the sections: QEMU writes
// them in registration order (migration/savevm.c savevm_state.handlers), which moves between
// versions (11.1 registers apic before timer, 10.0 I440FX before fw_cfg, 7.2 fw_cfg first), and
// each library records the order its bare machines wrote. When a step leaves no version, the
// answer before it stands (a dump describes one build; a section can come from elsewhere).
// Where even that leaves several versions (ppc64 pseries, s390x: same layouts, ids and order),
// writer-evidence.ts adds what else tells them apart: a value every store writes the same way, the
// subsections each version's probes sent, sections a version's machine always writes.

import { descriptionCandidates, type DescriptionBody, type DescriptionLibrary } from './descriptions.ts';
import type { StreamRecord } from './model.ts';
import { frameSectionData, type FramingState } from './section-decoder.ts';
import type { WindowReader } from './window-reader.ts';
import { lackingAlwaysSent, missingFrom, neverSentBy, writtenValues } from './writer-evidence.ts';

/**
 * "11.1" before "10.0" before "7.2": part by part as numbers. (localeCompare with `numeric` does
 * the same, but its first call builds an ICU collator: ~10 ms of a CLI run.)
 */
export function byNewest(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    // A missing part is older than any ("10" before "10.0"), as the collation has it.
    const [p, q] = [x[i] === undefined ? -1 : Number(x[i]), y[i] === undefined ? -1 : Number(y[i])];
    if (p === q) continue;
    if (!Number.isNaN(p) && !Number.isNaN(q)) return q - p;
    const [s, t] = [x[i] ?? '', y[i] ?? ''];
    return s < t ? 1 : s > t ? -1 : 0;
  }
  return 0;
}

/** How one candidate frames a record: exactly as decoded, elsewhere, not at all, or it stopped on the window. */
type Trial = 'same' | 'other' | 'none' | 'threw';

interface Memo {
  library: DescriptionLibrary;
  byVersion: Map<string, boolean>;
  /** Per candidate layout: versions often share one (10.0 and 11.1 e1000e), and its answer is theirs. */
  byBody: Map<DescriptionBody, Trial>;
}

/**
 * Whether record `r` frames exactly as before with only version `v`'s candidates: the first of
 * them that frames it decides, as in a decode with only those. Frame-only (section-decoder.ts
 * frameSectionData): no field tree is built for a layout only tried (trees for every section and
 * version were most of a device-state open's garbage, issue #12). A candidate that fails leaves
 * the framing state as it was, so each one's answer holds whichever versions it is tried for.
 */
async function redecode(r: StreamRecord, v: string, reader: WindowReader, framing: FramingState, library: DescriptionLibrary, memo: Memo): Promise<boolean> {
  const cands = descriptionCandidates(r.idstr!, r.instanceId!, r.versionId!, { library }).filter((c) => c.body.versions?.includes(v));
  for (const cand of cands) {
    let t = memo.byBody.get(cand.body);
    if (t === undefined) {
      try {
        const win = await reader.at(r.dataOffset!, r.dataSize! + 400);
        const d = frameSectionData(win, r.dataOffset!, r.sectionId!, { idstr: r.idstr!, instanceId: r.instanceId! }, [cand], { ...framing, knownIds: new Set(framing.knownIds) });
        t = d === null ? 'none' : d.dataEnd === r.dataOffset! + r.dataSize! && d.exact === r.exact ? 'same' : 'other';
      } catch {
        t = 'threw'; // this layout does not fit the window: not an error of the file
      }
      memo.byBody.set(cand.body, t);
    }
    if (t !== 'none') return t === 'same';
  }
  return false;
}

/**
 * Whether a section frames under a version, per record and library. A comparison's second file
 * takes its unchanged sections from the open file (scan-reuse.ts): the same bytes, candidates and
 * framing, so the same answers, which cost most of that scan when worked out again (issue #13).
 */
const fits = new WeakMap<StreamRecord, Memo>();

async function framesUnder(r: StreamRecord, key: StreamRecord, v: string, reader: WindowReader, framing: FramingState, library: DescriptionLibrary): Promise<boolean> {
  let memo = fits.get(key);
  if (memo?.library !== library) fits.set(key, (memo = { library, byVersion: new Map(), byBody: new Map() }));
  let ok = memo.byVersion.get(v);
  if (ok === undefined) memo.byVersion.set(v, (ok = await redecode(r, v, reader, framing, library, memo)));
  return ok;
}

/**
 * The versions whose descriptions frame every library-decoded section as decoded (newest first).
 * `sameAs(r)`: the other file's record whose bytes `r` was taken from, if any.
 */
export async function settleVersions(records: StreamRecord[], reader: WindowReader, framing: FramingState, library: DescriptionLibrary | undefined, sameAs?: (r: StreamRecord) => StreamRecord | undefined): Promise<string[] | undefined> {
  const recs = records.filter((r) => r.decodedBy === 'bundled' && r.describedVersions && r.dataOffset !== undefined && (r.sectionType === 'full' || r.sectionType === 'start'));
  if (!library || recs.length === 0) return undefined;
  const versions = [...new Set(recs.flatMap((r) => r.describedVersions!))].sort(byNewest);
  const fitting: string[] = [];
  for (const v of versions) {
    let ok = true;
    for (const r of recs) {
      if (r.describedVersions!.includes(v)) continue;
      // A version whose own JSON misdescribed this section (library.ts misdescribes) is not ruled out by it.
      if (library.misdescribed?.(r.idstr!, r.versionId!).includes(v)) continue;
      if (!(await framesUnder(r, sameAs?.(r) ?? r, v, reader, framing, library))) { ok = false; break; }
    }
    if (ok) fitting.push(v);
  }
  if (!fitting.length) return undefined;
  // Each step narrows what the one before left; one that would leave nothing is skipped.
  let out = fitting;
  const narrow = (next: string[]) => { if (next.length) out = next; };
  narrow(writtenBy(records, library, out));
  narrow(await writtenValues(records, reader, library, out));
  narrow(neverSentBy(records, library, out));
  narrow(inOrder(records, library, out));
  narrow(missingFrom(records, library, out));
  narrow(lackingAlwaysSent(records, library, out));
  return out;
}

/** The versions of `among` one of whose recorded section orders the file's sections follow. */
export function inOrder(records: StreamRecord[], library: DescriptionLibrary, among: string[]): string[] {
  const orders = library.sectionOrders?.();
  if (!orders?.size) return among;
  const names: string[] = [];
  for (const r of records) {
    if (r.kind !== 'section' || r.idstr === undefined || !(r.sectionType === 'full' || r.sectionType === 'start')) continue;
    const n = r.idstr.slice(r.idstr.lastIndexOf('/') + 1);
    if (!names.includes(n)) names.push(n);
  }
  const follows = (order: string[]) => {
    const at = names.map((n) => order.indexOf(n)).filter((i) => i >= 0);
    // Two sections in common at least, else the order says nothing.
    return at.length < 2 || at.every((x, i) => i === 0 || at[i - 1] < x);
  };
  // A version without recorded orders is not ruled out by them.
  return among.filter((v) => !orders.has(v) || orders.get(v)!.some(follows));
}

/** The versions of `among` that every section's version id and subsections allow as the writer. */
export function writtenBy(records: StreamRecord[], library: DescriptionLibrary, among: string[]): string[] {
  let out = among;
  for (const r of records) {
    if (r.kind !== 'section' || r.idstr === undefined || r.versionId === undefined || !(r.sectionType === 'full' || r.sectionType === 'start')) continue;
    // Only the section's own subsections: those of nested structs belong to other vmsds.
    const subs = (r.fields ?? []).filter((n) => n.kind === 'subsection' && n.vmsdName).map((n) => n.vmsdName!);
    const no = library.ruledOut?.(r.idstr, r.versionId, subs) ?? [];
    out = out.filter((v) => !no.includes(v));
  }
  return out;
}
