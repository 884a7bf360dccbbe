// Which of the target's reference VMs a file is compared with. x86: the machine family (pc, q35).
// aarch64 `virt`: the CPU model decides what the CPU section holds, and the stream does not name
// it (the MIDR is a constant register, not migrated), so the reference whose register list shares
// the most registers with the file's first CPU is taken (cortex-a57 and max differ by ~50-90).

import type { StreamModel } from '../model.ts';
import type { ReferenceState } from './check.ts';
import { cpregIndexes, cpregIndexesAt, similarity, type Read } from './cpregs.ts';

export async function closestReference(model: StreamModel, read: Read, refs: ReferenceState[]): Promise<ReferenceState | null> {
  const cpu = model.records.find((r) => r.idstr === 'cpu' && r.kind === 'section');
  if (!cpu) return refs[0] ?? null;
  const decoded = await cpregIndexes(cpu, read);
  let best: { ref: ReferenceState; score: number } | null = null;
  for (const ref of refs) {
    const theirsCpu = ref.model.records.find((r) => r.idstr === 'cpu');
    const theirs = theirsCpu ? await cpregIndexes(theirsCpu, ref.read) : null;
    // Not decoded: the list where this reference's own layout of the same version has it.
    let mine = decoded;
    if (!mine && theirs && theirsCpu && theirsCpu.versionId === cpu.versionId && cpu.dataOffset !== undefined && cpu.dataSize !== undefined) {
      mine = await cpregIndexesAt(read, theirs.lengthOffset - (theirsCpu.dataOffset ?? 0) + cpu.dataOffset, cpu.dataOffset + cpu.dataSize);
    }
    const score = theirs && mine ? similarity(mine.indexes, theirs.indexes) : -1;
    if (!best || score > best.score) best = { ref, score };
  }
  return best?.ref ?? null;
}
