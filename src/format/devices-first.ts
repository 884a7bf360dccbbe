// Devices first (issue #5): in a full migration stream the device sections sit after all RAM,
// just before EOF and the vmdesc. The vmdesc gives every device's data size, so the records can
// be located backwards from EOF and checked against the bytes (type, idstr, instance, footer),
// then decoded at once — whatever the RAM size. Any failed check means: fall back to the scan.

import type { ByteSource } from './byte-source.ts';
import { Cursor } from './cursor.ts';
import { latin1Bytes } from './cursor.ts';
import { descriptionCandidates, DeviceIndex, type DescriptionLibrary } from './descriptions.ts';
import type { StreamRecord } from './model.ts';
import { REC } from './records.ts';
import { decodeSectionData, type FramingState } from './section-decoder.ts';
import { locateVmdesc, readVmdesc, type Vmdesc, type VmdescField, type VmsdDesc } from './vmdesc.ts';

export type DevicesFirst = { ok: true; records: StreamRecord[]; eofOffset: number; vmdesc: Vmdesc } | { ok: false; reason: string };

/** Bytes a described body occupies: fields (compressed arrays × array_len) and subsections. */
function bodySize(fields: VmdescField[] = [], subsections: VmsdDesc[] = []): number {
  let n = 0;
  for (const f of fields) n += (f.array_len ?? 1) * f.size;
  for (const s of subsections) n += 1 + 1 + s.vmsd_name.length + 4 + bodySize(s.fields, s.subsections);
  return n;
}

/**
 * `source` keeping the bytes of its last read that reached the end: locateVmdesc reads the last
 * MiB, and the JSON and the device sections (tens of KiB in the real streams) usually lie in it.
 * Served from there they cost no more reads: each Blob read in the worker is a round trip to the
 * browser (a synchronous one for the slice), 30-50 ms apiece at load 15 in a Chromium trace of the
 * bench's 4 GiB open, and these three came one after the other.
 */
export function keepingTail(source: ByteSource): ByteSource {
  let tail: { at: number; bytes: Uint8Array } | null = null;
  return {
    size: source.size,
    async read(offset, length) {
      const end = Math.min(source.size, offset + length);
      if (tail && offset >= tail.at && end <= tail.at + tail.bytes.length) return tail.bytes.subarray(offset - tail.at, end - tail.at);
      const bytes = await source.read(offset, length);
      if (offset + bytes.length === source.size && (!tail || offset < tail.at)) tail = { at: offset, bytes };
      return bytes;
    },
  };
}

export async function devicesFirst(whole: ByteSource, opts: { library?: DescriptionLibrary } = {}): Promise<DevicesFirst> {
  const source = keepingTail(whole);
  const loc = await locateVmdesc(source);
  if (!loc) return { ok: false, reason: 'no JSON VM description at the end of the file' };
  let vmdesc: Vmdesc;
  try {
    vmdesc = await readVmdesc(source, loc);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const eofOffset = loc.recordOffset - 1;
  // Walk the devices backwards from EOF; footers are on in every stream that has a vmdesc
  // unless the producer turned them off, so try both.
  for (const footer of [true, false]) {
    const starts: number[] = [];
    let end = eofOffset;
    for (let i = vmdesc.devices.length - 1; i >= 0; i--) {
      const d = vmdesc.devices[i];
      const size = 1 + 4 + 1 + latin1Bytes(d.name).length + 4 + 4 + bodySize(d.fields, d.subsections) + (footer ? 5 : 0);
      end -= size;
      starts.unshift(end);
    }
    if (end < 0) continue;
    // Include what follows EOF: the decoder looks a little past each section's end.
    const bytes = await source.read(end, Math.min(source.size, eofOffset + 301) - end);
    const win = { bytes, base: end, atEnd: end + bytes.length >= source.size };
    const checked = checkHeaders(win, starts, vmdesc, footer, eofOffset);
    if (checked !== null) continue;
    const framing: FramingState = { footers: footer, knownIds: new Set() };
    const index = new DeviceIndex(vmdesc);
    const records: StreamRecord[] = [];
    for (const start of starts) {
      const c = new Cursor(win, start);
      c.u8();
      const sectionId = c.be32();
      const idstr = c.countedString();
      const instanceId = c.be32();
      const versionId = c.be32();
      const d = decodeSectionData(win, c.pos, sectionId, { idstr, instanceId }, descriptionCandidates(idstr, instanceId, versionId, { embedded: index, library: opts.library }), framing);
      const recEnd = d.dataEnd + (d.footer ? 5 : 0);
      records.push({
        index: records.length, kind: 'section', sectionType: 'full', depth: 0, offset: start, size: recEnd - start, sectionId, idstr, instanceId, versionId,
        dataOffset: c.pos, dataSize: d.dataEnd - c.pos, footerOffset: d.footer ? d.dataEnd : undefined, decodedBy: d.decodedBy, vmsdName: d.vmsdName, describedBy: d.describedBy, describedVersions: d.describedVersions,
        fields: d.fields, exact: d.exact, problems: d.problems,
      });
    }
    return { ok: true, records, eofOffset, vmdesc };
  }
  return { ok: false, reason: 'the device sizes in the description do not lead to valid section headers' };
}

/** Every computed start holds a FULL header naming the described device, with its footer. */
function checkHeaders(win: { bytes: Uint8Array; base: number }, starts: number[], vmdesc: Vmdesc, footer: boolean, eofOffset: number): string | null {
  const b = win.bytes;
  const be32 = (i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  for (let k = 0; k < starts.length; k++) {
    const i = starts[k] - win.base;
    const d = vmdesc.devices[k];
    const name = latin1Bytes(d.name);
    if (b[i] !== REC.SECTION_FULL || b[i + 5] !== name.length) return `no FULL header for ${d.name}`;
    for (let j = 0; j < name.length; j++) if (b[i + 6 + j] !== name[j]) return `idstr differs for ${d.name}`;
    if (be32(i + 6 + name.length) !== d.instance_id) return `instance differs for ${d.name}`;
    if (footer) {
      const next = (k + 1 < starts.length ? starts[k + 1] : eofOffset) - win.base;
      if (b[next - 5] !== REC.SECTION_FOOTER || be32(next - 4) !== be32(i + 1)) return `no footer for ${d.name}`;
    }
  }
  return null;
}
