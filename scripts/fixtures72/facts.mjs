// Facts about the QEMU 7.2 fixtures for scripts/make-fixtures.mjs: framing and layout from the
// scripts' independent walker, footers and sections found in the bytes, and the manifest.
import { readFileSync } from 'node:fs';
import { walkStream } from '../lib/stream.mjs';
import { NOT_INCLUDED, sha256 } from './config.mjs';

/** Framing facts and the per-record layout, from the independent walker (scripts/lib/stream.mjs). */
export function inspect(buf, json) {
  const walk = walkStream(buf, json);
  return {
    facts: {
      hasHeader: walk.hasHeader,
      hasConfiguration: walk.configuration !== null,
      hasFooters: walk.footers === true,
      hasVmdesc: walk.vmdesc !== undefined,
      hasGlobalState: walk.sections.some((s) => s.idstr === 'globalstate'),
      eofOffset: walk.eofOffset,
      vmdescJsonLength: walk.vmdesc?.jsonLength ?? 0,
    },
    layout: {
      configuration: walk.configuration,
      records: walk.records,
      fullSections: walk.sections.length,
      footers: walk.footers === true,
      eofOffset: walk.eofOffset,
      vmdesc: walk.vmdesc ?? null,
      sections: walk.sections.map((s) => [s.offset, s.idstr, s.instanceId, s.version, s.dataLength]),
      sectionsColumns: ['offset', 'idstr', 'instance_id', 'version', 'dataLength'],
    },
  };
}

export function expectedFraming(spec) {
  const a = spec.args.join(' ');
  const footers = !a.includes('migration.send-section-footer=off');
  const config = !a.includes('migration.send-configuration=off');
  const migration = spec.kind.startsWith('migration');
  return {
    hasHeader: spec.kind !== 'colo',
    hasFooters: footers,
    hasConfiguration: migration && config,
    hasVmdesc: migration && !a.includes('suppress-vmdesc=on'),
  };
}

/** Locates the FULL record of `idstr` (instance 0) and the offset of its footer's section id. */
export function findFooter(buf, idstr) {
  const name = Buffer.concat([Buffer.from([idstr.length]), Buffer.from(idstr, 'latin1'), Buffer.alloc(4)]);
  for (let at = buf.indexOf(name); at >= 0; at = buf.indexOf(name, at + 1)) {
    if (buf[at - 5] !== 0x04) continue;
    const id = buf.readUInt32BE(at - 4);
    const want = Buffer.alloc(5); want[0] = 0x7e; want.writeUInt32BE(id, 1);
    const f = buf.indexOf(want, at + name.length + 4);
    if (f > 0 && f < at + 4096) return { sectionId: id, footerIdOffset: f + 1 };
  }
  throw new Error(`FULL section ${idstr} with footer not found`);
}

/** idstr of the FULL record containing offset `off` (scans back for a plausible record header). */
export function sectionAt(buf, off) {
  for (let p = off - 14; p >= 0; p--) {
    const len = buf[p + 5];
    if (buf[p] !== 0x04 || buf.readUInt32BE(p + 1) > 0xffff || len < 1 || p + 14 + len > off) continue;
    const name = buf.subarray(p + 6, p + 6 + len).toString('latin1');
    if (/^[\x21-\x7e]+$/.test(name)) return name;
  }
  return null;
}

const KNOWN_ANALYZE = {
  '5f5abaef78894267995ba5161fccf749fd30830adab0001f131687dc0bc417d3':
    'QEMU 7.2 scripts/analyze-migration.py from the Debian bookworm source package qemu 1:7.2+dfsg-7+deb12u18 ' +
    '(upstream 7.2.0 file + debian/patches/v7.2.7.diff, which makes read16/32/64 unsigned; read8 stays signed)',
};
function analyzeProvenance(script) {
  const hash = sha256(readFileSync(script));
  return { source: process.env.ANALYZE_MIGRATION_SOURCE ?? KNOWN_ANALYZE[hash] ?? 'unknown copy (see sha256)', sha256: hash };
}

export function buildManifest(versions, analyzeScript, previous, selfChecks, entries, guests) {
  return {
    description: 'Test fixtures made with the real QEMU by scripts/make-fixtures.mjs; regenerate with `node scripts/make-fixtures.mjs`.',
    qemuVersions: versions,
    conventions: {
      paths: 'args and QMP file names are relative to the repository root; QEMU ran with cwd = repository root',
      qmpSocket: 'commandLine shows the -qmp option added by scripts/lib/qemu.mjs startQemu (a fresh temp dir per run)',
      devices: 'NICs have fixed MACs and romfile= (no option ROM, keeps the RAM part small); disks are null-co block nodes; audio uses -audiodev none',
      determinism: 'guests never run (-S, TCG), RTC base and MACs are fixed, the RAM pattern is seeded: device-state files come out byte-identical on reruns, migration streams may split their RAM into PART records at other points (the migration thread\'s timing; hence --only); except the *-regs fixtures (runsGuestProgram), whose guest ran until its program halted: their clock and timer fields depend on how long that took',
      kinds: {
        devstate: 'QMP xen-save-devices-state: header, FULL sections (+footers), EOF; no configuration, no vmdesc',
        'devstate-xen': 'same as devstate with the Xen framing: no footers, no globalstate (xen-save forces the run state to "running", and store-global-state=off only sends globalstate for other states)',
        colo: 'headerless device buffer as in a COLO checkpoint',
        migration: 'QMP migrate to exec:cat: header, configuration, RAM START/PART/END, FULL sections, EOF, vmdesc',
        'migration-xen': 'migration with the Xen-like globals: no configuration, no footers, no vmdesc; globalstate IS present because the paused (-S) guest is in run state "prelaunch"',
      },
      describedBy: 'fixture whose trailing vmdesc JSON describes this file (same QEMU, machine and devices)',
      sectionsVerbatimIn: 'longest prefix of the FULL records (header and EOF excluded) found verbatim in the migration of the same VM (same framing); for devstate files everything up to globalstate matches (its runstate is "running" after xen-save, "prelaunch" in the migration)',
      loadsBack: 'result of scripts/lib/qemu.mjs loadIntoQemu(file, name) on the unmodified file',
      analyze: 'golden stdout of QEMU 7.2 scripts/analyze-migration.py -f FILE, gzipped (not stored in this repo: the script itself)',
      registers: "HMP 'info registers' output (first CPU), verbatim (x86 lines end in CRLF as HMP returns them), taken right before xen-save-devices-state, or for the *-regs fixtures after the guest program halted and QMP stop, right before migrate",
      runsGuestProgram: 'the guest was resumed (QMP cont) and ran one of guestPrograms until it halted (polled with info registers), then stopped (QMP stop) before the registers and the stream were taken',
    },
    analyzeMigration: analyzeScript ? analyzeProvenance(analyzeScript) : previous.analyzeMigration ?? null,
    guestPrograms: guests.programs,
    devicesNotIncluded: NOT_INCLUDED,
    selfChecks,
    fixtures: entries,
  };
}
