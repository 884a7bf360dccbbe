// Command line of scripts/make-vmdesc-library.mjs (see its header), shared by the scripts/library modules.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
export const JOBS = Number(opt('--jobs', 2));
export const ONLY = opt('--only', null);
export const LIMIT = Number(opt('--limit', Infinity)); // max device probes per target (for quick test runs)
export const OUT_DIR = resolve(opt('--out', join(repoRoot, 'src/format/vmdesc-library')));
export const PROBE_TIMEOUT_MS = 45_000; // whole probe (all attempts)
export const START_TIMEOUT_MS = 15_000;
export const MIGRATE_TIMEOUT_MS = 30_000;
export const MAX_ATTEMPTS = 6;
export const ROOT = opt('--root', null) ? resolve(opt('--root')) : null;
export const LABEL = opt('--qemu', '7.2'); // the version label the app shows ("QEMU 10.0")
export const STEM = opt('--name', `qemu-${LABEL}`);
// A reduced run (the README says so): only these device types (TYPE: on every target, TARGET:TYPE: on
// that one), and no -cpu MODEL probes.
export const DEVICES = opt('--devices', null)?.split(',') ?? null;
export const NO_CPU_PROBES = argv.includes('--no-cpu-probes');
// A supplement's CPU models on a target whose full run probes none (targets.mjs cpuProbes false: pseries,
// s390x, q35), so that the CPU types of its `-device help` (spapr-cpu-core, s390x-cpu) are probed too.
export const CPU_PROBES = argv.includes('--cpu-probes');
// A supplement to a full run (qemu-7.2-vhost.json): the bare machine only, not its option combinations.
export const NO_COMBOS = argv.includes('--no-combos');
/** A host path under ROOT as QEMU inside the chroot sees it. */
export const inGuest = (hostPath) => (ROOT ? hostPath.slice(ROOT.length) : hostPath);
