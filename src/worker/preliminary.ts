// The model the page shows while a large migration stream is still being scanned (issue #5):
// the header, the device sections located backwards from EOF by devicesFirst(), EOF and the
// vmdesc. RAM and everything else before the devices are not known yet; the forward scan's
// model replaces this one.

import type { ByteSource } from '../format/byte-source.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { devicesFirst } from '../format/devices-first.ts';
import type { StreamModel, StreamRecord } from '../format/model.ts';
import { QEMU_VM_FILE_MAGIC } from '../format/records.ts';

export type Preliminary = { ok: true; model: StreamModel } | { ok: false; reason: string };

export async function hasHeader(source: ByteSource): Promise<boolean> {
  const b = await source.read(0, 4);
  return b.length === 4 && ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 === QEMU_VM_FILE_MAGIC;
}

/**
 * Devices first with the stream's own JSON description alone, the library asked for only when a
 * section needs it. The section decoder tries the vmdesc before any library candidate
 * (section-decoder.ts), so where the vmdesc decodes every section the library changes nothing,
 * and a file's first open no longer waits for its libraries to be fetched and parsed (the
 * warm-up fetches one: warm-up.ts). Where a section falls through, all of it is decoded again
 * with the library, exactly as before.
 */
export async function preliminaryFirst(source: ByteSource, library: () => Promise<DescriptionLibrary>): Promise<Preliminary> {
  const own = await preliminaryModel(source);
  // Not ok: no vmdesc, or its sizes do not lead to section headers; the library cannot change that.
  if (!own.ok || own.model.records.every((r) => r.kind !== 'section' || r.decodedBy === 'vmdesc')) return own;
  return preliminaryModel(source, await library());
}

export async function preliminaryModel(source: ByteSource, library?: DescriptionLibrary): Promise<Preliminary> {
  const found = await devicesFirst(source, { library });
  if (!found.ok) return found;
  const devices = found.records;
  const records: StreamRecord[] = [
    { index: 0, kind: 'header', offset: 0, size: 8, depth: 0, problems: [] },
    ...devices.map((r) => ({ ...r })),
    { index: 0, kind: 'eof', offset: found.eofOffset, size: 1, depth: 0, problems: [] },
  ];
  const vmdescAt = found.eofOffset + 1;
  if (vmdescAt < source.size) records.push({ index: 0, kind: 'vmdesc', offset: vmdescAt, size: source.size - vmdescAt, depth: 0, dataOffset: vmdescAt + 5, dataSize: source.size - vmdescAt - 5, problems: [] });
  records.forEach((r, i) => (r.index = i));
  const footers = devices.some((r) => r.footerOffset !== undefined) ? true : devices.length ? false : null;
  return {
    ok: true,
    model: {
      fileSize: source.size, variant: 'migration', hasHeader: true, hasConfiguration: false, footers,
      pageSize: found.vmdesc.page_size ?? 4096, records, ramBlocks: [], complete: false,
      vmdesc: { offset: vmdescAt, size: source.size - vmdescAt, devices: found.vmdesc.devices.length },
      problems: devices.flatMap((r) => r.problems),
    },
  };
}
