// Xen `xl save` images (and bare libxl streams) as a container (format.md §8.2, format/xen): the
// xl header and domain configuration, every libxl and libxc record, and the EMULATOR_CONTEXT
// record's payload, which is QEMU's device-state file unchanged: that payload is the stream the
// explorer decodes (a raw sub-range, so the hex view, edits and downloads work on it as on a bare
// file). The HVM context's entries (vCPU registers, APICs, PIT, RTC, ...) become the fields of its
// record, so Xen's own part of the guest state shows beside QEMU's.

import type { ByteSource } from '../byte-source.ts';
import { makeProblem } from '../errors.ts';
import type { FieldNode } from '../model.ts';
import { readHvmContext } from '../xen/hvm-context.ts';
import { EMULATORS, isLibxlStream, isXlImage, readXenImage, type XenRecord } from '../xen/xl-image.ts';
import { blobParts, xlParts } from './image-parts.ts';
import type { ContainerInfo, ContainerRecord } from './types.ts';

const record = (kind: ContainerRecord['kind'], title: string, offset: number, size: number, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({ kind, title, offset, size, problems: [], ...extra });

function recordTitle(r: XenRecord): string {
  const emu = r.emulator ? ` (${EMULATORS[r.emulator.id] ?? `emulator ${r.emulator.id}`}, index ${r.emulator.index})` : '';
  const pages = r.pages ? ` (${r.pages.pfns} pfns, ${r.pages.withData} pages of data)` : '';
  return `${r.stream} ${r.name}${emu}${pages}`;
}

/**
 * The image with `stream` in place of its EMULATOR_CONTEXT payload: the record's length and padding
 * follow the stream's size, every other byte is `original`'s (Blob slices, nothing copied).
 */
export function xlImageParts(info: ContainerInfo, original: Blob, stream: Blob): BlobPart[] {
  return blobParts(xlParts(info, stream.size), original, stream);
}

export async function readXl(source: ByteSource): Promise<ContainerInfo | null> {
  const head = await source.read(0, 32);
  if (!isXlImage(head) && !isLibxlStream(head)) return null;
  const image = await readXenImage(source);
  const records: ContainerRecord[] = [];
  if (image.xl) {
    records.push(record('container-header', 'xl header', 0, 48));
    if (image.xl.config) records.push(record('config', 'domain configuration (JSON)', 48, image.xl.end - 48, { text: image.xl.config.text }));
  }
  records.push(record('container-header', 'libxl stream header', image.libxl.offset, 16));
  if (image.libxc) records.push(record('container-header', 'libxc image and domain headers', image.libxc.offset, 40));
  const contexts = image.records.filter((r) => r.name === 'EMULATOR_CONTEXT');
  const context = contexts[0];
  for (const r of image.records) {
    if (r === context) {
      records.push(record('record', recordTitle(r), r.offset, 16));
      records.push(record('stream', "QEMU device state (xen-save-devices-state)", r.bodyOffset + 8, r.length - 8));
      if (r.size - 8 - r.length > 0) records.push(record('padding', 'record padding', r.bodyOffset + r.length, r.size - 8 - r.length));
      continue;
    }
    let fields: FieldNode[] | undefined;
    const problems = [];
    if (r.name === 'HVM_CONTEXT') {
      try {
        fields = (await readHvmContext(source, r.bodyOffset, r.length)).map((e) => ({
          name: `${e.name} (${e.instance})`, path: `hvm ${e.name} (${e.instance})`, kind: 'struct', type: `hvm ${e.name}`,
          offset: e.offset, size: 8 + e.length, children: e.fields,
        }));
      } catch (e) {
        problems.push(makeProblem('bad-container', r.bodyOffset, (e as Error).message));
      }
    }
    records.push(record('record', recordTitle(r), r.offset, r.size, { fields, problems }));
  }
  const problems = [...image.problems];
  if (!context) problems.push(makeProblem('bad-container', source.size, 'an EMULATOR_CONTEXT record holding QEMU\'s device state; this image has none'));
  if (contexts.length > 1) problems.push(makeProblem('bad-container', contexts[1].offset, `one EMULATOR_CONTEXT record; found ${contexts.length}, the first is shown`));
  // Whatever the walk could not account for (after a problem) is one record, so every byte is shown.
  const end = records.reduce((m, r) => Math.max(m, r.offset + r.size), 0);
  if (end < source.size) records.push(record('padding', 'not read (after a problem)', end, source.size - end));
  records.sort((a, b) => a.offset - b.offset);
  return {
    kind: 'xl',
    title: image.xl ? 'Xen xl save image' : 'Xen libxl migration stream',
    fileSize: source.size,
    records,
    inner: { offset: context ? context.bodyOffset + 8 : 0, size: context ? context.length - 8 : 0, codec: 'raw' },
    streamSize: context ? context.length - 8 : 0,
    xl: context ? { lengthOffset: context.offset + 4, littleEndian: !image.libxl.bigEndian, recordEnd: context.offset + context.size } : undefined,
    problems,
  };
}
