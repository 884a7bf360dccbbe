// Which of the target's reference VMs a file is compared with. x86: the machine family (pc, q35).
// aarch64 `virt`: the CPU model decides what the CPU section holds, and the stream does not name
// it (the MIDR is a constant register, not migrated), so the reference whose register list shares
// the most registers with the file's first CPU is taken (cortex-a57 and max differ by ~50-90).

import type { StreamModel } from '../model.ts';
import type { ReferenceState } from './check.ts';
import { cpregIndexes, similarity, type Read } from './cpregs.ts';

export async function closestReference(model: StreamModel, read: Read, refs: ReferenceState[]): Promise<ReferenceState | null> {
  const cpu = model.records.find((r) => r.idstr === 'cpu' && r.fields?.length);
  const mine = cpu ? await cpregIndexes(cpu, read) : null;
  if (!mine) return refs[0] ?? null;
  let best: { ref: ReferenceState; score: number } | null = null;
  for (const ref of refs) {
    const theirsCpu = ref.model.records.find((r) => r.idstr === 'cpu');
    const theirs = theirsCpu ? await cpregIndexes(theirsCpu, ref.read) : null;
    const score = theirs ? similarity(mine.indexes, theirs.indexes) : -1;
    if (!best || score > best.score) best = { ref, score };
  }
  return best?.ref ?? null;
}
