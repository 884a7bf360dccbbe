// "Will this file load into QEMU X?" answered before anyone tries (issue #12). The file's model is
// compared with facts gathered from the target QEMU itself (scripts/make-compat-fixtures.mjs):
// its machine types, its vmsds with version ranges and subsections (-dump-vmstate), the sections
// of a reference VM (JSON description), that reference VM's own device state, whose PCI config
// bytes are what the target compares the incoming ones with, and each virtio device type's
// virtqueue sizes (virtio-check.ts). The checks follow
// QEMU's loader in file order (docs/format.md §7), so the first failure found is the one QEMU would
// print, with QEMU's words and the section it names.

import type { FieldNode, StreamModel, StreamRecord } from '../model.ts';
import { compareCpregs, cpregIndexes, cpregIndexesAt } from './cpregs.ts';
import { firstReadOnlyDifference } from './pci-config.ts';
import { multifdMainAlone } from './multifd-main.ts';
import { checkRamBlocks, type RamBlockFacts } from './ram-blocks.ts';
import { checkVirtio, type VirtioFacts } from './virtio-check.ts';

export { readOnlyConfigBytes } from './pci-config.ts';
import { PVR_OF_CPU_TYPE, ppcCpuModel } from './ppc-cpu.ts';
import { BACKEND_VMSDS, checkTpmState } from './tpm-check.ts';

/**
 * Sections a device registers at realize with vmstate_register (no device class vmsd), so that
 * -dump-vmstate does not list them and the reference VMs, which lack the device, do not send them:
 * facts from QEMU's sources, the same in 7.2, 10.0 and 11.1. spapr-nvdimm's flush state
 * (hw/ppc/spapr_nvdimm.c spapr_nvdimm_realize; a real 10.0 pseries stream with one loads into 11.1,
 * public/compat/loads-values.json).
 */
const REALIZE_VMSDS: Record<string, { version: number; minVersion: number; subsections: string[] }> = {
  spapr_nvdimm_states: { version: 1, minVersion: 1, subsections: [] },
};

const writerTypeNote = (model: StreamModel) => (model.machine ? `that ${model.machine}` : 'that machine type');

/** What the compatibility data holds for one QEMU version and architecture. */
export interface CompatTarget {
  qemu: string;
  version: string;
  arch: string;
  machines: string[];
  /** Machine aliases: "pc" -> "pc-i440fx-10.0". */
  aliases: Record<string, string>;
  reference: Record<string, { machineType: string; sections: { idstr: string; instanceId: number; vmsd: string | null; version: number | null }[]; subsections?: string[]; subsectionVersions?: Record<string, number> }>;
  vmsds: Record<string, { version: number; minVersion: number; subsections: string[] }>;
  /** Machine type → its default CPU type (QMP query-machines); older data lacks it. */
  defaultCpus?: Record<string, string>;
  /** What the target does with virtqueue sizes (virtio-check.ts); older data lacks it. */
  virtio?: VirtioFacts;
  /** Each machine type's RAM blocks (ram-blocks.ts); older data lacks it. */
  ramBlocks?: RamBlockFacts;
  /** The vmsds marked unmigratable (-dump-vmstate lists no Fields for them); older data lacks it. */
  unmigratable?: string[];
}

/** The target's own device state of a reference VM, decoded, for byte comparisons. */
export interface ReferenceState {
  /** Which of the target's reference VMs (target.reference key) this is; the file's family by default. */
  vm?: string;
  model: StreamModel;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface CompatFinding {
  severity: 'fail' | 'warning' | 'note';
  /** The section concerned, "IDSTR (INSTANCE)". */
  section?: string;
  /** What QEMU would print (fail) or why something could not be checked. */
  message: string;
  offset?: number;
  /** Not QEMU's words: the file itself cannot be loaded as it is (damaged, cut, a multifd channel alone). */
  damage?: true;
}

export interface CompatReport {
  target: string;
  machine: string;
  verdict: 'loads' | 'loads with warnings' | 'fails';
  /** The failure QEMU reports: the first one in file order. */
  first?: CompatFinding;
  findings: CompatFinding[];
}

/** The highest COMMAND a QEMU version knows (migration/savevm.h MIG_CMD_MAX - 1). */
const LAST_COMMAND: Record<string, number> = { '7.2': 10, '10.0': 11, '11.1': 11 };

/**
 * Every node that can hold what the check looks at (PCI config, virtio, subsections): the
 * elements of an array of plain values are not visited, as none of those sits there. An e1000e
 * has arrays of 32768 values; visiting them made checking a directory of files 20 times slower.
 */
function* walk(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  for (const n of nodes ?? []) {
    yield n;
    if (n.kind === 'array' && n.children?.[0]?.kind === 'leaf') continue;
    yield* walk(n.children);
  }
}

const label = (r: StreamRecord) => (r.idstr ? `${r.idstr} (${r.instanceId})` : r.kind);
const lastPart = (idstr: string) => idstr.slice(idstr.lastIndexOf('/') + 1);

/** The machine family a file was made for: from its configuration, else from its sections. */
export type MachineFamily = 'pc' | 'q35' | 'virt' | 'pseries' | 's390-ccw-virtio';
export function machineFamily(model: StreamModel): MachineFamily {
  const m = model.machine;
  if (m) return /q35/.test(m) ? 'q35' : /^virt/.test(m) ? 'virt' : /^pseries/.test(m) ? 'pseries' : /^s390-ccw-virtio/.test(m) ? 's390-ccw-virtio' : 'pc';
  // Devices only the Arm `virt` board has (hw/arm/virt.c: GIC, PL011 UART, PL031 RTC, PL061 GPIO).
  if (model.records.some((r) => /^(arm_gic|arm_gicv3|pl011|pl031|pl061)$/.test(r.idstr ?? ''))) return 'virt';
  // The sPAPR machine's own sections (hw/ppc/spapr.c "spapr"), s390x's channel subsystem and storage keys.
  if (model.records.some((r) => r.idstr === 'spapr' || r.idstr === 'spapr/rtc')) return 'pseries';
  if (model.records.some((r) => r.idstr === 's390_css' || r.idstr === 's390-skeys')) return 's390-ccw-virtio';
  return model.records.some((r) => r.idstr?.endsWith('/ICH9LPC')) ? 'q35' : 'pc';
}

/** The architecture whose QEMU runs a machine family. */
export const FAMILY_ARCH: Record<MachineFamily, string> = { pc: 'x86_64', q35: 'x86_64', virt: 'aarch64', pseries: 'ppc64', 's390-ccw-virtio': 's390x' };

export async function checkCompat(
  model: StreamModel,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  target: CompatTarget,
  reference: ReferenceState | null,
  machine?: string,
  /** The other recorded QEMU versions' data of this architecture (their default RAM block lengths). */
  others: readonly CompatTarget[] = [],
): Promise<CompatReport> {
  const family = reference?.vm ?? machineFamily(model);
  const defaultType = target.aliases[family] ?? target.reference[family]?.machineType;
  const local = machine ? (target.aliases[machine] ?? machine) : defaultType;
  const findings: CompatFinding[] = [];
  const fail = (message: string, r?: StreamRecord, offset?: number) => findings.push({ severity: 'fail', message, section: r && label(r), offset: offset ?? r?.offset });
  const warn = (message: string, r?: StreamRecord) => findings.push({ severity: 'warning', message, section: r && label(r), offset: r?.offset });

  const report = (blockedFirst = false): CompatReport => {
    // A file that cannot be read to its end (cut short, damaged, not a stream at all) fails in
    // any QEMU: its loader reads the same bytes in the same order and stops where the decode
    // stopped. A failure found before that point is still the one QEMU meets first (a blocked
    // device before any byte is read).
    // A multifd channel file is no stream of its own: QEMU takes it only beside its main channel.
    if (model.variant === 'multifd-channel') {
      findings.unshift({ severity: 'fail', message: 'A multifd channel file, not a migration stream: QEMU reads it only beside its main channel (the QEVM stream); check that file', offset: 0, damage: true });
    }
    const damage = model.problems.find((p) => p.severity === 'error');
    const earlier = findings.filter((f) => f.severity === 'fail' && (blockedFirst || (f.offset ?? 0) < (damage?.offset ?? Infinity)));
    if (damage) findings.push({ severity: 'fail', message: `The file cannot be loaded past byte ${damage.offset}: ${damage.message}${damage.path ? ` [${damage.path}]` : ''}`, offset: damage.offset, damage: true });
    const fails = findings.filter((f) => f.severity === 'fail');
    const verdict = fails.length ? 'fails' : findings.some((f) => f.severity === 'warning') ? 'loads with warnings' : 'loads';
    return { target: `QEMU ${target.version}`, machine: running ?? local, verdict, first: earlier[0] ?? fails[0], findings };
  };

  // A device the target marks unmigratable blocks the load before its header is read
  // (migration/savevm.c qemu_loadvm_state -> qemu_savevm_state_blocked; nvme in 7.2 and 10.0, which
  // 11.1 migrates): the target started with the file's devices has one for each section, and QEMU
  // names the first in its list, which is the order it wrote them in.
  const blocked = model.records.find((r) => r.kind === 'section' && r.idstr && target.unmigratable?.includes(r.vmsdName ?? lastPart(r.idstr)));

  // Machine type: only a migration stream carries it (configuration section, §5.1).
  const writerType = model.machine;
  let compatProps = false;
  /** The machine type that would run: the writer's, where the target has it and takes the stream. */
  let running = local;
  if (!model.hasConfiguration && model.variant !== 'multifd-channel') {
    findings.push({ severity: 'note', message: `No configuration section (a device-state file): nothing checks the machine type; the target would run ${local}` });
  }
  const alone = await multifdMainAlone(model, read);
  if (alone) findings.push(alone);
  if (blocked) {
    fail(`State blocked by non-migratable device '${blocked.idstr}' (QEMU ${target.version} cannot migrate ${blocked.vmsdName ?? lastPart(blocked.idstr!)})`, blocked);
    return report(true);
  }
  if (model.hasConfiguration && writerType) {
    if (!target.machines.includes(writerType) || (machine && local !== writerType)) {
      fail(`Machine type received is '${writerType}' and local is '${local}'`, model.records.find((r) => r.kind === 'configuration'));
    } else {
      compatProps = writerType !== defaultType;
      // An unversioned type (x86 microvm) is not an older machine: it has no compatibility settings.
      const versioned = /-\d+\.\d+$/.test(writerType);
      if (compatProps) findings.push({ severity: 'note', message: versioned ? `QEMU ${target.version} still has ${writerType}: its compatibility settings keep that machine's devices as they were, so PCI config bytes are not compared` : `QEMU ${target.version} runs ${writerType}, which has no reference VM here, so PCI config bytes are not compared` });
      running = writerType;
    }
  }

  const refByIdstr = new Map<string, StreamRecord>();
  for (const r of reference?.model.records ?? []) if (r.kind === 'section' && r.idstr) refByIdstr.set(`${r.idstr}#${r.instanceId}`, r);
  const refSections = new Map((target.reference[family]?.sections ?? []).map((s) => [`${s.idstr}#${s.instanceId}`, s]));

  for (const r of model.records) {
    if (r.kind === 'command' && r.command && r.command.cmd > (LAST_COMMAND[target.version] ?? 11)) {
      fail(`MIG_CMD 0x${r.command.cmd.toString(16)} unknown (len 0x${r.command.length.toString(16)})`, r);
      continue;
    }
    if (r.kind !== 'section' || (r.sectionType !== 'full' && r.sectionType !== 'start') || !r.idstr) continue;
    // The RAM block list (MEM_SIZE), against the blocks of the machine type that runs: the writer's
    // where the target keeps it (the machine check above refuses the others).
    if (r.idstr === 'ram' && r.sectionType === 'start' && r.ram?.blocks) {
      for (const f of checkRamBlocks(r.ram.blocks, target.ramBlocks, running ?? '', target.version, others.map((o) => o.ramBlocks))) findings.push({ ...f, section: label(r), offset: r.offset });
      continue;
    }
    const vmsdName = r.vmsdName ?? lastPart(r.idstr);
    const exact = refSections.get(`${r.idstr}#${r.instanceId}`);
    // -dump-vmstate names nested vmsds too: aarch64's QEMUTimer vmsd is "timer" v1 while the
    // section "timer" (cpu_timers) is v2, so the reference VM's own section has the last word.
    const dumped = target.vmsds[vmsdName] ?? BACKEND_VMSDS[vmsdName] ?? REALIZE_VMSDS[vmsdName];
    const known = exact && dumped && dumped.version !== exact.version ? undefined : dumped;
    const refSection = exact ?? [...refSections.values()].find((s) => s.vmsd === vmsdName);
    const targetVersion = exact?.version ?? known?.version ?? refSection?.version ?? null;
    if (!known && !refSection) {
      // A live (iterative) section such as ram or spapr/htab is in no JSON description (they list
      // vmsd devices only) and in no dump: nothing to compare it with.
      if (r.sectionType === 'start') warn(`not checked: '${r.idstr}' is a live section, which QEMU ${target.version}'s data does not describe`, r);
      // A device with a qdev path, or a machine-level section (no path: s390x's
      // s390_control_program_id, new in 10.1) that neither the target's dump nor its reference VM
      // of the same machine knows: QEMU finds no handler (migration/savevm.c find_se).
      else if (r.idstr.includes('/') || target.reference[family]) fail(`Unknown savevm section or instance '${r.idstr}' ${r.instanceId}. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices`, r);
      else warn(`not checked: QEMU ${target.version}'s data has no section '${r.idstr}' (its reference VM lacks that device)`, r);
      continue;
    }
    if (targetVersion !== null && r.versionId !== undefined && r.versionId > targetVersion) {
      fail(`savevm: unsupported version ${r.versionId} for '${r.idstr}' v${targetVersion}`, r);
      continue;
    }
    if (known && r.versionId !== undefined && r.versionId < known.minVersion) {
      fail(`${vmsdName}: incoming version_id ${r.versionId} is too old for local minimum version_id  ${known.minVersion}`, r);
      continue;
    }
    // Every vCPU is compared with the reference VM's first: the register list is the CPU model's.
    const ref = refByIdstr.get(`${r.idstr}#${r.instanceId}`) ?? (r.idstr === 'cpu' ? refByIdstr.get('cpu#0') : undefined) ?? null;
    const cpregs = ref && reference && r.idstr === 'cpu' ? await cpuRegisters(r, read, ref, reference, target) : null;
    if (cpregs === undefined) warn(`not checked: the CPU register list could not be read (no description decoded this section, and it is not where QEMU ${target.version} has it): QEMU compares it with its own`, r);
    // The length is checked as the field is read, before the subsections; the list after them (post_load).
    if (cpregs && cpregs.index === undefined) {
      fail(cpregs.message, r, cpregs.offset);
      continue;
    }
    const failed = await checkFields(r, read, target, ref, reference, compatProps, fail, warn);
    if (failed) continue;
    const tpm = vmsdName === 'tpm-emulator' ? await checkTpmState(r, read, target.version) : null;
    if (tpm?.fail) fail(tpm.fail, r, tpm.offset);
    else if (tpm?.warn) warn(tpm.warn, r);
    if (cpregs) fail(cpregs.message, r, cpregs.offset);
    // ppc64: the CPU model must be the target's (post_load). An older machine type may bring its
    // own default CPU, which the reference VM (the newest type) does not show.
    if (r.idstr === 'cpu' && ref && target.arch === 'ppc64') {
      const cpus = target.defaultCpus;
      // The machine that runs is the writer's type where the target keeps it (compatProps).
      const sameCpu = !compatProps || (!!cpus && !!running && !!defaultType && cpus[running] !== undefined && cpus[running] === cpus[defaultType]);
      const runningCpu = sameCpu ? undefined : cpus?.[running ?? ''];
      const pvr = sameCpu || (runningCpu && PVR_OF_CPU_TYPE[runningCpu]) ? ppcCpuModel(r, ref, target.version, runningCpu) : null;
      if (pvr) fail(pvr, r);
      else if (!sameCpu && !(runningCpu && PVR_OF_CPU_TYPE[runningCpu]) && (r.instanceId ?? 0) === 0) warn(`not checked: the CPU model ${writerTypeNote(model)} runs in QEMU ${target.version} (${cpus?.[running ?? ''] ?? 'unknown'}; its reference VM runs ${cpus?.[defaultType ?? ''] ?? 'the newest machine type'})`, r);
    }
  }

  return report();
}

/** Subsections, PCI config bytes and virtqueues of one section; true when it fails. */
async function checkFields(
  r: StreamRecord,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  target: CompatTarget,
  ref: StreamRecord | null,
  reference: ReferenceState | null,
  compatProps: boolean,
  fail: (m: string, r?: StreamRecord, offset?: number) => void,
  warn: (m: string, r?: StreamRecord) => void,
): Promise<boolean> {
  // PCI config space: compared even when the file's section could not be decoded, at the place it
  // has in the target's own layout of the same section version (the PCIDevice state comes first).
  const refNodes = [...walk(ref?.fields)];
  const refConfig = refNodes.find((n) => n.type === 'pci config');
  if (refConfig && ref && reference && !compatProps && ref.versionId === r.versionId && r.dataOffset !== undefined && ref.dataOffset !== undefined) {
    const mineNode = [...walk(r.fields)].find((n) => n.type === 'pci config');
    const at = mineNode?.offset ?? r.dataOffset + (refConfig.offset - ref.dataOffset);
    const mine = await read(at, refConfig.size);
    const theirs = await reference.read(refConfig.offset, refConfig.size);
    const i = firstReadOnlyDifference(mine, theirs);
    if (i >= 0) {
      fail(`get_pci_config_device: Bad config data: i=0x${i.toString(16)} read: ${mine[i].toString(16)} device: ${theirs[i].toString(16)}`, r, at + i);
      return true;
    }
  }
  const strip = (path: string) => path.slice(path.indexOf('/') + 1);
  const refByPath = new Map(refNodes.map((n) => [strip(n.path), n]));
  const refSubsections = new Set(refNodes.filter((m) => m.kind === 'subsection').map((m) => m.vmsdName));
  for (const n of walk(r.fields)) {
    if (n.kind === 'subsection' && n.vmsdName) {
      // Only a parent vmsd that -dump-vmstate lists has a complete subsection list (it omits cpu,
      // timer and other non-device sections); for the others nothing can be said.
      // A subsection may belong to a nested struct whose name does not prefix it (s390x's
      // ipl/iplb_extended is ipl/iplb's, not ipl's): any dumped vmsd listing it makes it known.
      const own = r.fields?.includes(n) ? target.vmsds[r.vmsdName ?? lastPart(r.idstr ?? '')] : undefined;
      const parent = own ?? parentVmsd(target, n.vmsdName);
      const sub = target.vmsds[n.vmsdName];
      const listed = !!sub || Object.values(target.vmsds).some((v) => v.subsections.includes(n.vmsdName!));
      if (parent && !listed) {
        fail(`error while loading state for instance 0x${(r.instanceId ?? 0).toString(16)} of device '${r.idstr}' (subsection ${n.vmsdName} unknown to QEMU ${target.version})`, r, n.offset);
        return true;
      }
      // Where the dump is silent (cpu), a subsection the target's reference VM never sent may still
      // be one it knows (x86's cpu/poll_control_msr): only its version, when it sent it, is checked.
      const refVersion = Object.values(target.reference).map((v) => v.subsectionVersions?.[n.vmsdName!]).find((x) => x !== undefined);
      if (!sub && refVersion !== undefined && n.version !== undefined && n.version > refVersion) {
        fail(`${n.vmsdName}: incoming version_id ${n.version} is too new for local version_id ${refVersion}`, r, n.offset);
        return true;
      }
      // A timer the target creates only for some CPUs (QEMU 10.0 target/arm/machine.c: the
      // wfxt-timer exists only with FEAT_WFxT, and then the subsection is sent): if the target's
      // own state of the same device lacks the subsection, it has no timer to load into and
      // aborts in vmstate_load_state, as QEMU 10.0 does with an 11.1 cortex-a57 state.
      const knows = !!sub || Object.values(target.reference).some((v) => v.subsections?.includes(n.vmsdName!));
      if (knows && ref && n.children?.some((c) => c.type === 'timer') && !refSubsections.has(n.vmsdName)) {
        fail(`vmstate_load_state: Assertion \`first_elem || !n_elems || !size' failed (QEMU ${target.version} aborts: subsection ${n.vmsdName} carries a timer it did not create for this device)`, r, n.offset);
        return true;
      }
      if (sub && n.version !== undefined && n.version > sub.version) {
        fail(`${n.vmsdName}: incoming version_id ${n.version} is too new for local version_id ${sub.version}`, r, n.offset);
        return true;
      }
    }
    if (n.type === 'virtio' && (await checkVirtio(r, n, read, target, refByPath.get(strip(n.path)), reference, compatProps, fail, warn))) return true;
  }
  if (ref && ref.dataSize !== undefined && r.dataSize !== undefined && ref.versionId === r.versionId && ref.dataSize !== r.dataSize && !r.fields?.some((f) => f.type === 'virtio')) {
    warn(`its ${r.dataSize} bytes of data differ in size from QEMU ${target.version}'s ${ref.dataSize} for the same version: fields or subsections differ`, r);
  }
  return false;
}

/** The aarch64 register list of a `cpu` section against the target's (cpregs.ts); null when it loads. */
async function cpuRegisters(r: StreamRecord, read: (o: number, n: number) => Promise<Uint8Array>, ref: StreamRecord, reference: ReferenceState, target: CompatTarget) {
  const theirs = await cpregIndexes(ref, reference.read);
  if (!theirs) return null;
  let mine = await cpregIndexes(r, read);
  // Not decoded (no description fits): where the target's own layout of this version has it.
  const at = theirs.lengthOffset - (ref.dataOffset ?? 0) + (r.dataOffset ?? 0);
  if (!mine && r.versionId === ref.versionId && r.dataOffset !== undefined && r.dataSize !== undefined) mine = await cpregIndexesAt(read, at, r.dataOffset + r.dataSize);
  if (!mine) return undefined;
  const verdict = compareCpregs(mine.indexes, theirs.indexes, target.version, r.instanceId ?? 0, theirs.lengthType === 'int32 le');
  if (!verdict) return null;
  return { ...verdict, offset: verdict.index === undefined ? mine.lengthOffset : mine.offset + verdict.index * 8 };
}

/** The vmsd a subsection belongs to: the longest known vmsd name that prefixes it with a '/'. */
function parentVmsd(target: CompatTarget, subsection: string): CompatTarget['vmsds'][string] | null {
  for (let cut = subsection.lastIndexOf('/'); cut > 0; cut = subsection.lastIndexOf('/', cut - 1)) {
    const parent = target.vmsds[subsection.slice(0, cut)];
    if (parent) return parent;
  }
  return null;
}
