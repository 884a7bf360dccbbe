// Which QEMU wrote a file that carries no description? Each bundled candidate names the versions
// whose probes wrote its layout. First-fit decoding takes the first candidate whose end meets the
// footer or the next record, and layouts of different versions often fit the same bytes (QEMU
// 10.0's globalstate carves vm_was_suspended out of bytes 7.2 sent as part of `runstate`), so the
// first fit says little. After the scan, each version the sections named is tried on every
// library-decoded section: the versions whose descriptions frame all of them exactly as decoded
// are the file's likely QEMU. The sections keep their first fit: re-decoding them with the likely
// version's layouts would also have to happen in the quick re-decode after an edit
// (worker/quick-rescan.ts, devices-first.ts), which it does not yet.

import { descriptionCandidates, type DescriptionLibrary } from './descriptions.ts';
import { sectionLabel, type StreamRecord } from './model.ts';
import { decodeSectionData, type FramingState, type SectionData } from './section-decoder.ts';
import type { WindowReader } from './window-reader.ts';

const byNewest = (a: string, b: string) => b.localeCompare(a, 'en', { numeric: true });

/** Decodes record `r` again with only version `v`'s candidates; null unless it frames exactly as before. */
async function redecode(r: StreamRecord, v: string, reader: WindowReader, framing: FramingState, library: DescriptionLibrary): Promise<SectionData | null> {
  const cands = descriptionCandidates(r.idstr!, r.instanceId!, r.versionId!, { library }).filter((c) => c.body.versions?.includes(v));
  if (!cands.length) return null;
  try {
    const win = await reader.at(r.dataOffset!, r.dataSize! + 400);
    const d = decodeSectionData(win, r.dataOffset!, r.sectionId!, sectionLabel(r.idstr!, r.instanceId!), cands, { ...framing, knownIds: new Set(framing.knownIds) });
    return d.decodedBy === 'bundled' && d.dataEnd === r.dataOffset! + r.dataSize! && d.exact === r.exact ? d : null;
  } catch {
    return null; // this version's layout does not fit: not an error of the file
  }
}

/** The versions whose descriptions frame every library-decoded section as decoded (newest first). */
export async function settleVersions(records: StreamRecord[], reader: WindowReader, framing: FramingState, library: DescriptionLibrary | undefined): Promise<string[] | undefined> {
  const recs = records.filter((r) => r.decodedBy === 'bundled' && r.describedVersions && r.dataOffset !== undefined && (r.sectionType === 'full' || r.sectionType === 'start'));
  if (!library || recs.length === 0) return undefined;
  const versions = [...new Set(recs.flatMap((r) => r.describedVersions!))].sort(byNewest);
  const fitting: string[] = [];
  for (const v of versions) {
    let ok = true;
    for (const r of recs) {
      if (r.describedVersions!.includes(v)) continue;
      if (!(await redecode(r, v, reader, framing, library))) { ok = false; break; }
    }
    if (ok) fitting.push(v);
  }
  return fitting.length ? fitting : undefined;
}
