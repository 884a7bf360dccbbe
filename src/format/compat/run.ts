// One compatibility check from a file's model to a verdict, the same for the CLI and the page's
// worker: which data the target needs (its facts and the reference VM of the file's family, by
// architecture), loaded through `data` (the CLI reads public/compat from disk, the worker fetches
// it from the same origin, each file once), then check.ts.

import { memorySource } from '../byte-source.ts';
import { CancelledError } from '../errors.ts';
import type { StreamModel } from '../model.ts';
import { scanStream } from '../scan.ts';
import { loadDescription } from '../vmdesc.ts';
import { checkCompat, FAMILY_ARCH, machineFamily, type CompatReport, type CompatTarget, type ReferenceState } from './check.ts';
import { closestReference } from './reference.ts';

/** The QEMU versions public/compat has data for (scripts/make-compat-fixtures.mjs). */
export const COMPAT_VERSIONS = ['7.2', '10.0', '11.1'];

export interface CompatTargetSpec {
  version: string;
  machine?: string;
}

/** Parses "10.0" or "10.0:pc-q35-10.0" (the machine may be an alias such as "q35"). */
export function parseTarget(text: string): CompatTargetSpec {
  const [version, machine] = text.trim().split(':');
  if (!COMPAT_VERSIONS.includes(version)) throw new Error(`QEMU ${version || '(none)'} is not one of ${COMPAT_VERSIONS.join(', ')}`);
  return { version, machine: machine || undefined };
}

/** Reads one file of public/compat, decompressed ("qemu-10.0-x86_64.json", "pc-10.0-devstate.bin"); null if absent. */
export type CompatFileReader = (name: string) => Promise<Uint8Array | null>;

/** The target data, each file read and decoded once per reader. */
export class CompatData {
  private readonly targets = new Map<string, Promise<CompatTarget>>();
  private readonly references = new Map<string, Promise<ReferenceState | null>>();

  constructor(private readonly readFile: CompatFileReader) {}

  target(version: string, arch: string): Promise<CompatTarget> {
    const key = `qemu-${version}-${arch}.json`;
    let t = this.targets.get(key);
    if (!t) {
      t = this.readFile(key).then((bytes) => {
        if (!bytes) throw new Error(`No compatibility data for QEMU ${version} on ${arch}`);
        return JSON.parse(new TextDecoder().decode(bytes)) as CompatTarget;
      });
      t.catch(() => this.targets.delete(key)); // a failed fetch is tried again next time
      this.targets.set(key, t);
    }
    return t;
  }

  /** The target's own device state of reference VM `vm`, decoded with its own description. */
  reference(version: string, vm: string): Promise<ReferenceState | null> {
    const key = `${vm}-${version}`;
    let r = this.references.get(key);
    if (!r) {
      r = (async () => {
        const [bytes, migration] = await Promise.all([this.readFile(`${key}-devstate.bin`), this.readFile(`${key}-migration.bin`)]);
        if (!bytes || !migration) return null;
        const vmdesc = await loadDescription(memorySource(migration));
        const { model } = await scanStream(memorySource(bytes), { vmdesc });
        return { vm, model, read: async (o: number, n: number) => bytes.subarray(o, o + n) };
      })();
      r.catch(() => this.references.delete(key));
      this.references.set(key, r);
    }
    return r;
  }
}

export interface CheckProgress {
  (step: string): void;
}

/** Checks `model` (bytes through `read`) against `spec`; `progress` names each step. */
export async function checkAgainst(
  model: StreamModel,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  spec: CompatTargetSpec,
  data: CompatData,
  opts: { signal?: AbortSignal; progress?: CheckProgress } = {},
): Promise<CompatReport> {
  const step = (what: string) => {
    if (opts.signal?.aborted) throw new CancelledError();
    opts.progress?.(what);
  };
  const family = machineFamily(model);
  const arch = FAMILY_ARCH[family];
  step(`Loading QEMU ${spec.version} ${arch} data`);
  const target = await data.target(spec.version, arch);
  // A machine type the target does not have is a typo to say, not a load to predict: QEMU would
  // not start with it ("unsupported machine type"), so no file would reach its loader.
  if (spec.machine && !target.machines.includes(target.aliases[spec.machine] ?? spec.machine)) {
    throw new Error(`QEMU ${spec.version} (${arch}) has no machine type '${spec.machine}' ("-machine help" lists ${target.machines.slice(0, 4).join(', ')} …)`);
  }
  // aarch64: the reference VM whose CPU model's register list is closest to the file's.
  const vms = family === 'virt' ? Object.keys(target.reference) : [family];
  step(`Decoding QEMU ${spec.version}'s reference state`);
  const refs = (await Promise.all(vms.map((vm) => data.reference(spec.version, vm)))).filter((r): r is ReferenceState => r !== null);
  const reference = refs.length > 1 ? await closestReference(model, read, refs) : (refs[0] ?? null);
  // A stream's RAM block lengths are compared with what every recorded version gives by default
  // (ram-blocks.ts): the other versions' data, fetched only for a file with a RAM block list.
  const hasRam = model.records.some((r) => r.idstr === 'ram' && r.ram?.blocks);
  const others = hasRam ? (await Promise.all(COMPAT_VERSIONS.filter((v) => v !== spec.version).map((v) => data.target(v, arch).catch(() => null)))).filter((t): t is CompatTarget => t !== null) : [];
  step('Comparing sections');
  return checkCompat(model, read, target, reference, spec.machine, others);
}
