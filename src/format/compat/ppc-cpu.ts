// A ppc64 CPU loads only into the same CPU model (target/ppc/machine.c cpu_post_load: without a
// compatibility mode, `if (!pvr_match(cpu, env->spr[SPR_PVR])) return -EINVAL;`), and the pseries
// default CPU moved between versions: QEMU 7.2 POWER9 (PVR 0x004e1200), 10.0 POWER10 (0x00801200),
// 11.1 POWER11 (0x00821200), measured on the compat fixtures. The target's own reference VM of the
// same machine type says which PVR it runs.

import type { FieldNode, StreamRecord } from '../model.ts';
import { walkFields } from '../edit/find.ts';

/** SPR number of the Processor Version Register (target/ppc/cpu.h SPR_PVR). */
const SPR_PVR = 0x11f;

function pvrOf(nodes: readonly FieldNode[] | undefined): bigint | undefined {
  for (const n of walkFields(nodes)) {
    if (!n.children && n.path.endsWith(`env.spr[${SPR_PVR}]`) && (typeof n.value === 'string' || typeof n.value === 'number')) return BigInt(n.value);
  }
  return undefined;
}

/** A compatibility mode (cpu/compat subsection, compat_pvr ≠ 0) takes the other path of cpu_post_load. */
function compatMode(nodes: readonly FieldNode[] | undefined): boolean {
  for (const n of walkFields(nodes)) if (!n.children && /compat_pvr$/.test(n.path) && (typeof n.value === 'number' || typeof n.value === 'string') && BigInt(n.value) !== 0n) return true;
  return false;
}

/**
 * The PVR of the CPU types pseries machine types default to (QMP query-machines default-cpu-type),
 * from target/ppc/cpu-models.h (CPU_POWERPC_POWER9_DD20, _DD22, POWER10_DD20, POWER11_DD20); DD20
 * of each is also what the compat fixtures' CPUs hold. An older machine type in a newer QEMU may
 * run another revision than the older QEMU did: pseries-7.2 is POWER9 v2.0 in 7.2, v2.2 in 10.0.
 */
export const PVR_OF_CPU_TYPE: Record<string, bigint> = {
  'power9_v2.0-powerpc64-cpu': 0x004e1200n,
  'power9_v2.2-powerpc64-cpu': 0x004e1202n,
  'power10_v2.0-powerpc64-cpu': 0x00801200n,
  'power11_v2.0-powerpc64-cpu': 0x00821200n,
};

/**
 * QEMU's failure when `r` (a ppc `cpu` section) is of another CPU model than the target runs: the
 * reference VM's (`ref`), or the one of CPU type `cpuType` when the machine type brings its own.
 */
export function ppcCpuModel(r: StreamRecord, ref: StreamRecord, version: string, cpuType?: string): string | null {
  const mine = pvrOf(r.fields);
  const theirs = cpuType ? PVR_OF_CPU_TYPE[cpuType] : pvrOf(ref.fields);
  if (mine === undefined || theirs === undefined || mine === theirs || compatMode(r.fields)) return null;
  const hex = (x: bigint) => `0x${x.toString(16).padStart(8, '0')}`;
  return `error while loading state for instance 0x${(r.instanceId ?? 0).toString(16)} of device 'cpu' (QEMU ${version}'s CPU has PVR ${hex(theirs)}, the file's ${hex(mine)}: cpu_post_load refuses another CPU model)`;
}
