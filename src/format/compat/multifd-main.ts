// A multifd migration's main channel checked alone (issue: `check --target` said "loads"). The main
// channel announces the RAM blocks (MEM_SIZE) and marks its sync points with MULTIFD_FLUSH records,
// but every page travels in the multifd channel files (format.md §6.3): a destination started with
// the multifd capability waits for those channels at the first flush, and one without it restores
// the devices over RAM that no byte of the file fills. Neither is "loads".
import type { StreamModel } from '../model.ts';
import type { CompatFinding } from './check.ts';

/** ram.c RAM_SAVE_FLAG_MULTIFD_FLUSH and RAM_SAVE_FLAG_EOS (the flags in a record's low bits). */
const MULTIFD_FLUSH = 0x200;
const EOS = 0x10;

/**
 * A finding for a main channel without its channels, or null. It is told by what the file holds:
 * RAM announced, not one page of it in the stream, and a MULTIFD_FLUSH record. The flush is what
 * sets it apart from x-ignore-shared, where pages are also absent but the stream loads. A part or
 * end section of a pageless RAM stream is bare 8-byte flag words, so those are read directly; QEMU
 * 7.2 wrote no flush record and its main channels are not recognised here.
 */
export async function multifdMainAlone(model: StreamModel, read: (offset: number, length: number) => Promise<Uint8Array>): Promise<CompatFinding | null> {
  if (model.variant !== 'migration' || !model.ramBlocks.length) return null;
  if (model.ramBlocks.some((b) => b.pages + b.zero + b.xbzrle + b.compressed > 0)) return null;
  for (const r of model.records) {
    if (r.kind !== 'section' || r.idstr !== 'ram' || (r.sectionType !== 'part' && r.sectionType !== 'end')) continue;
    if (r.dataOffset === undefined || !r.dataSize || r.dataSize % 8 || r.dataSize > 4096) continue;
    const data = await read(r.dataOffset, r.dataSize);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const words = Array.from({ length: data.length / 8 }, (_, i) => view.getBigUint64(i * 8));
    if (!words.every((w) => w === BigInt(MULTIFD_FLUSH) || w === BigInt(EOS)) || !words.includes(BigInt(MULTIFD_FLUSH))) continue;
    return {
      severity: 'warning',
      section: `ram (${r.instanceId ?? 0})`,
      offset: r.dataOffset + words.indexOf(BigInt(MULTIFD_FLUSH)) * 8,
      message: 'cannot tell: a multifd main channel alone (MULTIFD_FLUSH, and no RAM page in the file: they are in its multifd channel files). QEMU started with the multifd capability waits at this flush for those channels; without it, the devices would load over RAM this file does not fill',
    };
  }
  return null;
}
