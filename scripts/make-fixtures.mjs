#!/usr/bin/env node
// Creates the QEMU device-state / migration-stream test fixtures in public/fixtures/ with the real
// QEMU 7.2 (Debian bookworm build) and writes public/fixtures/manifest.json describing each one.
//
//   node scripts/make-fixtures.mjs
//   node scripts/make-fixtures.mjs --only pc-regs-migration.bin,q35-regs-migration.bin
//   ANALYZE_MIGRATION=/path/to/qemu-7.2/scripts/analyze-migration.py node scripts/make-fixtures.mjs
//
// --only remakes the named fixtures and keeps the others (bytes and manifest entries) as they are:
// a migration stream splits its RAM into PART records wherever the migration thread's timing puts
// the iteration boundaries, so a rerun can move every later offset that tests rely on. The facts
// derived across fixtures, the load-back checks and the self-checks are redone for all of them.
// - Every guest is started paused (-S), TCG, -nodefaults -display none, with a fixed RTC base and
//   fixed MACs, so repeated runs produce byte-identical files (verified on QEMU 7.2.22).
// - QEMU runs with cwd = repository root and all paths in its arguments/QMP commands are relative
//   to it, so manifest.json records the exact, portable command lines.
// - Device-state files are written with QMP xen-save-devices-state, migration streams with QMP
//   migrate "exec:cat > FILE"; both straight into public/fixtures/.
// - Each fixture is loaded back into a fresh QEMU with scripts/lib/qemu.mjs loadIntoQemu (the
//   "-incoming exec:cat" recipe of docs format.md §9); the result is recorded ("loadsBack").
// - Golden outputs of QEMU's scripts/analyze-migration.py (never stored in this repository) are
//   produced only when ANALYZE_MIGRATION points at a copy of it; they are stored gzipped
//   (NAME.analyze.json.gz, the script's exact stdout) because e.g. e1000's 64 KiB packet buffer
//   alone expands to ~1 MB of pretty-printed JSON. Without ANALYZE_MIGRATION the previous goldens
//   are kept when the fixture's bytes did not change.
// Fails loudly if QEMU is missing or not version 7.2 (set ALLOW_ANY_QEMU=1 to override).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { waitForMigration } from './lib/qmp.mjs';
import { REPO_ROOT, loadIntoQemu, loaderExtraArgs, shQuote, startQemu } from './lib/qemu.mjs';
import { vmdescOf, walkStream } from './lib/stream.mjs';

const FIX_REL = 'public/fixtures';
const FIX = resolve(REPO_ROOT, FIX_REL);
const X86 = 'qemu-system-x86_64';
const ARM = 'qemu-system-aarch64';
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const log = (...a) => console.log('[fixtures]', ...a);

// ---------------------------------------------------------------------------------------------
// VM configurations

const COMMON = ['-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm'];
const nullDisk = (node) => ['-blockdev', `null-co,node-name=${node},size=1048576,read-zeroes=on`];

// NICs get fixed MACs and romfile= (no option ROM: keeps the RAM part of the streams small).
const PC_DEVICES = [
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0', // adds the old-style "slirp" section
  '-device', 'e1000,netdev=net0,mac=52:54:00:12:34:56,romfile=',
  '-device', 'rtl8139,mac=52:54:00:12:34:57,romfile=', // no netdev ("has no peer" warning)
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'ich9-ahci',
  '-device', 'lsi53c895a,id=scsi0', ...nullDisk('scsidisk'), '-device', 'scsi-hd,drive=scsidisk,bus=scsi0.0',
  '-device', 'piix3-usb-uhci,id=uhci', '-device', 'usb-tablet,bus=uhci.0', '-device', 'usb-kbd,bus=uhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  '-device', 'AC97,audiodev=snd0',
  '-device', 'i6300esb',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'virtio-balloon-pci',
  '-device', 'virtio-rng-pci',
  '-device', 'virtio-serial-pci', '-chardev', 'null,id=con0', '-device', 'virtconsole,chardev=con0',
  '-device', 'VGA',
];
const PC = ['-M', 'pc', '-m', '32', '-smp', '2', ...COMMON, ...PC_DEVICES];
const XEN_GLOBALS = [
  '-global', 'migration.send-section-footer=off',
  '-global', 'migration.send-configuration=off',
  '-global', 'migration.store-global-state=off',
];
const PC_XEN = ['-M', 'pc,suppress-vmdesc=on', '-m', '32', '-smp', '2', ...COMMON, ...PC_DEVICES, ...XEN_GLOBALS];

const Q35 = [
  '-M', 'q35', '-m', '32', '-smp', '2', ...COMMON, // ich9-ahci, ICH9 LPC/SMBus are built in
  '-audiodev', 'none,id=snd0',
  '-netdev', 'user,id=net0',
  '-device', 'e1000e,netdev=net0,mac=52:54:00:12:35:56,romfile=',
  '-device', 'virtio-net-pci,mac=52:54:00:12:35:57,romfile=', // no netdev
  '-chardev', 'null,id=ser0', '-device', 'isa-serial,chardev=ser0',
  '-device', 'qemu-xhci,id=xhci', '-device', 'usb-tablet,bus=xhci.0', '-device', 'usb-kbd,bus=xhci.0',
  '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0',
  '-device', 'i6300esb',
  ...nullDisk('vblk'), '-device', 'virtio-blk-pci,drive=vblk',
  '-device', 'VGA',
];

const RAM_PATTERN = 'pc-ram-pattern.bin';
const RAM_PATTERN_SIZE = 64 * 1024;
const PC_RAM = ['-M', 'pc', '-m', '16', ...COMMON,
  '-device', `loader,file=${FIX_REL}/${RAM_PATTERN},addr=0x100000,force-raw=on`];

const UUID = '6b1d3c2a-9a5e-4c1f-8e2d-0123456789ab';
const PC_CONFIG = ['-M', 'pc', '-m', '16', ...COMMON, '-uuid', UUID];
const CONFIG_CAPS = [{ capability: 'x-ignore-shared', state: true }, { capability: 'validate-uuid', state: true }];

// -seed 1: virt otherwise writes a random rng-seed into the DTB in guest RAM (format.md §12).
const VIRT = ['-M', 'virt', '-cpu', 'cortex-a57', '-m', '32', '-seed', '1', ...COMMON, '-device', 'virtio-rng-pci'];

// Guests that run: a tiny program gives every general register a distinct value and halts, so the
// registers a decoder reads can be told apart (scripts/guests/*.S, assembled by assembleGuests()).
// x86 boots it as the firmware (-bios: the reset vector is in the BIOS ROM, see x86-regs.S);
// aarch64 loads it into RAM with -device loader, cpu-num=0 (which sets the PC; above the 1 MiB the
// DTB takes at the start of RAM).
const REGS_X86 = 'regs-x86.rom';
const REGS_ARM = 'regs-aarch64.bin';
const REGS_ARM_ADDR = 0x40100000;
const PC_REGS = ['-M', 'pc', '-m', '16', ...COMMON, '-bios', `${FIX_REL}/${REGS_X86}`];
const Q35_REGS = ['-M', 'q35', '-m', '16', ...COMMON, '-bios', `${FIX_REL}/${REGS_X86}`];
const VIRT_REGS = ['-M', 'virt', '-cpu', 'cortex-a57', '-m', '32', '-seed', '1', ...COMMON,
  '-device', `loader,file=${FIX_REL}/${REGS_ARM},addr=0x${REGS_ARM_ADDR.toString(16)},cpu-num=0`];
const X86_HALTED = (regs) => /\bHLT=1\b/.test(regs);

const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? new Set(process.argv[i + 1]?.split(',')) : null;
})();

const FIXTURES = [
  { file: 'pc-devstate.bin', kind: 'devstate', machine: 'pc', binary: X86, args: PC, describedBy: 'pc-migration.bin' },
  { file: 'pc-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC },
  { file: 'pc-xen-devstate.bin', kind: 'devstate-xen', machine: 'pc', binary: X86, args: PC_XEN, describedBy: 'pc-migration.bin', verbatimIn: 'pc-xen-migration.bin' },
  { file: 'pc-xen-migration.bin', kind: 'migration-xen', machine: 'pc', binary: X86, args: PC_XEN, describedBy: 'pc-migration.bin' },
  { file: 'q35-devstate.bin', kind: 'devstate', machine: 'q35', binary: X86, args: Q35, describedBy: 'q35-migration.bin' },
  { file: 'q35-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35 },
  { file: 'q35-colo.bin', kind: 'colo', machine: 'q35', binary: X86, args: Q35, describedBy: 'q35-migration.bin', derivedFrom: 'q35-devstate.bin' },
  { file: 'pc-ram-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_RAM, inputs: [RAM_PATTERN] },
  { file: 'pc-config-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_CONFIG, migrationCapabilities: CONFIG_CAPS },
  { file: 'virt-devstate.bin', kind: 'devstate', machine: 'virt', binary: ARM, args: VIRT, describedBy: 'virt-migration.bin' },
  { file: 'virt-migration.bin', kind: 'migration', machine: 'virt', binary: ARM, args: VIRT },
  { file: 'pc-regs-migration.bin', kind: 'migration', machine: 'pc', binary: X86, args: PC_REGS, inputs: [REGS_X86], runsUntil: X86_HALTED },
  { file: 'q35-regs-migration.bin', kind: 'migration', machine: 'q35', binary: X86, args: Q35_REGS, inputs: [REGS_X86], runsUntil: X86_HALTED },
  { file: 'virt-regs-migration.bin', kind: 'migration', machine: 'virt', binary: ARM, args: VIRT_REGS, inputs: [REGS_ARM], runsUntil: 'armHalted' },
];

const NOT_INCLUDED = [
  { device: 'nvme', reason: 'QMP xen-save-devices-state kills QEMU 7.2 with SIGSEGV when attached (unmigratable device, no blocker check on that path; format.md §12, re-checked)' },
  { device: 'usb-net', reason: 'same: SIGSEGV in xen-save-devices-state (re-checked)' },
  { device: 'usb-audio', reason: 'same: SIGSEGV in xen-save-devices-state (re-checked)' },
];

// ---------------------------------------------------------------------------------------------
// helpers

function qemuVersion(binary) {
  let out;
  try {
    out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(`${binary} is required to make the fixtures but could not be run (${e.code ?? e.message}). ` +
      'Install QEMU 7.2 (Debian bookworm: apt-get install qemu-system-x86 qemu-system-arm).');
  }
  const m = /QEMU emulator version (\S+)(?: \(([^)]*)\))?/.exec(out);
  if (!m) throw new Error(`cannot parse ${binary} --version output: ${out}`);
  if (!m[1].startsWith('7.2.') && !process.env.ALLOW_ANY_QEMU) {
    throw new Error(`${binary} is QEMU ${m[1]}; the fixtures must be made with QEMU 7.2 (ALLOW_ANY_QEMU=1 overrides)`);
  }
  return out.split('\n')[0].replace(/^QEMU emulator version /, '');
}

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over a fixed seed. */
function seededBytes(seed, size) {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++) off += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

/**
 * Assembles the guest programs of scripts/guests/ into public/fixtures/ (GNU as + objcopy from
 * binutils, and binutils-aarch64-linux-gnu for aarch64). Returns their provenance for the manifest
 * and armHalted(info registers text): true once the aarch64 program is in its wfi loop.
 */
function assembleGuests() {
  const tmp = mkdtempSync(join(tmpdir(), 'vmstate-guests-'));
  const tool = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' });
    } catch (e) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${e.code ?? e.message.split('\n')[0]}); the guest programs need binutils and binutils-aarch64-linux-gnu`);
    }
  };
  const build = (src, out, prefix, asArgs) => {
    const obj = join(tmp, `${out}.o`);
    tool(`${prefix}as`, [...asArgs, '-o', obj, join(REPO_ROOT, 'scripts/guests', src)]);
    tool(`${prefix}objcopy`, ['-O', 'binary', '-j', '.text', obj, join(FIX, out)]);
    const symbols = Object.fromEntries(tool(`${prefix}nm`, [obj]).trim().split('\n').map((l) => l.split(' ')).map(([v, , n]) => [n, parseInt(v, 16)]));
    const bytes = readFileSync(join(FIX, out));
    return {
      file: out, source: `scripts/guests/${src}`, size: bytes.length, sha256: sha256(bytes), haltOffset: symbols.halt,
      assembledWith: `${tool(`${prefix}as`, ['--version']).split('\n')[0]}; ${prefix}objcopy -O binary -j .text`,
    };
  };
  const x86 = build('x86-regs.S', REGS_X86, '', ['--64']);
  const arm = build('aarch64-regs.S', REGS_ARM, 'aarch64-linux-gnu-', []);
  rmSync(tmp, { recursive: true, force: true });
  const armHalted = (regs) => {
    const pc = /\bPC=([0-9a-f]{16})\b/.exec(regs);
    const at = pc ? Number(BigInt(`0x${pc[1]}`)) - REGS_ARM_ADDR : -1;
    return at === arm.haltOffset || at === arm.haltOffset + 4; // on the wfi, or past it (QEMU 7.2 reports the latter)
  };
  return { programs: [x86, arm], armHalted };
}

const commandLine = (binary, args) =>
  [binary, ...args, '-qmp', 'unix:<tmpdir>/qmp.sock,server=on,wait=off'].map(shQuote).join(' ');

/** Framing facts and the per-record layout, from the independent walker (scripts/lib/stream.mjs). */
function inspect(buf, json) {
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

function expectedFraming(spec) {
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
function findFooter(buf, idstr) {
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
function sectionAt(buf, off) {
  for (let p = off - 14; p >= 0; p--) {
    const len = buf[p + 5];
    if (buf[p] !== 0x04 || buf.readUInt32BE(p + 1) > 0xffff || len < 1 || p + 14 + len > off) continue;
    const name = buf.subarray(p + 6, p + 6 + len).toString('latin1');
    if (/^[\x21-\x7e]+$/.test(name)) return name;
  }
  return null;
}

async function qemuSession(spec, fn) {
  const q = await startQemu(spec.binary, spec.args, { cwd: REPO_ROOT });
  const qmpLog = [];
  const run = async (execute, args) => {
    qmpLog.push(args === undefined ? { execute } : { execute, arguments: args });
    try {
      return await q.qmp.execute(execute, args);
    } catch (e) {
      throw new Error(`${spec.file}: QMP ${execute} failed: ${e.message}\n${q.stderr()}`);
    }
  };
  try {
    const result = await fn(run, q, qmpLog);
    await q.qmp.execute('quit').catch(() => {});
    await q.exited;
    return { qmpLog, stderr: q.stderr(), ...result };
  } catch (e) {
    q.proc.kill('SIGKILL');
    throw e;
  }
}

let guests; // set by main(): assembleGuests()

async function makeFixture(spec, machineTypes) {
  const rel = `${FIX_REL}/${spec.file}`;
  rmSync(resolve(REPO_ROOT, rel), { force: true });
  const stem = spec.file.replace(/\.bin$/, '');
  return qemuSession(spec, async (run, q, qmpLog) => {
    const out = {};
    // read-only, not part of the recorded recipe: resolves the alias (pc -> pc-i440fx-7.2)
    if (!machineTypes[spec.binary]) machineTypes[spec.binary] = await q.qmp.execute('query-machines');
    if (spec.runsUntil) {
      const halted = spec.runsUntil === 'armHalted' ? guests.armHalted : spec.runsUntil;
      await run('cont');
      qmpLog.push({ execute: 'human-monitor-command', arguments: { 'command-line': 'info registers' }, repeated: 'polled until the guest program has halted' });
      const deadline = Date.now() + 10_000;
      while (!halted(await q.qmp.hmp('info registers'))) {
        if (Date.now() > deadline) throw new Error(`${spec.file}: the guest program did not halt within 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await run('stop');
      const regs = await run('human-monitor-command', { 'command-line': 'info registers' });
      out.registers = `${stem}.registers.txt`;
      writeFileSync(join(FIX, out.registers), regs);
    }
    if (spec.kind.startsWith('devstate')) {
      const regs = await run('human-monitor-command', { 'command-line': 'info registers' });
      out.registers = `${stem}.registers.txt`;
      writeFileSync(join(FIX, out.registers), regs);
      await run('xen-save-devices-state', { filename: rel, live: false });
    } else {
      if (spec.migrationCapabilities) await run('migrate-set-capabilities', { capabilities: spec.migrationCapabilities });
      await run('migrate-set-parameters', { 'max-bandwidth': 1073741824 });
      await run('migrate', { uri: `exec:cat > ${rel}` });
      qmpLog.push({ execute: 'query-migrate', repeated: 'polled (scripts/lib/qmp.mjs waitForMigration) until status "completed"' });
      const st = await waitForMigration(q.qmp);
      if (st.status !== 'completed') throw new Error(`${spec.file}: migration ${st.status}: ${st['error-desc'] ?? ''}`);
    }
    return out;
  });
}

function shortReason(stderr) {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/has no peer/.test(l)).join('\n');
}

async function checkLoad(file, name) {
  const r = await loadIntoQemu(file, name);
  await r.close();
  return { ok: r.ok, status: r.status, exitCode: r.exitCode, stderr: shortReason(r.stderr) };
}

function runAnalyze(script, file) {
  const r = spawnSync('python3', [script, '-f', file], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status === 0) return { ok: true, stdout: r.stdout };
  const err = r.stderr.toString().split(script).join('analyze-migration.py').trim().split('\n');
  return { ok: false, error: err[err.length - 1], traceback: err.slice(-4).join('\n') };
}

// ---------------------------------------------------------------------------------------------

const KNOWN_ANALYZE = {
  '5f5abaef78894267995ba5161fccf749fd30830adab0001f131687dc0bc417d3':
    'QEMU 7.2 scripts/analyze-migration.py from the Debian bookworm source package qemu 1:7.2+dfsg-7+deb12u18 ' +
    '(upstream 7.2.0 file + debian/patches/v7.2.7.diff, which makes read16/32/64 unsigned; read8 stays signed)',
};
function analyzeProvenance(script) {
  const hash = sha256(readFileSync(script));
  return { source: process.env.ANALYZE_MIGRATION_SOURCE ?? KNOWN_ANALYZE[hash] ?? 'unknown copy (see sha256)', sha256: hash };
}

function buildManifest(versions, analyzeScript, previous, selfChecks, entries) {
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

async function main() {
  const versions = { [X86]: qemuVersion(X86), [ARM]: qemuVersion(ARM) };
  mkdirSync(FIX, { recursive: true });
  const manifestPath = join(FIX, 'manifest.json');
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { fixtures: [] };
  const analyzeScript = process.env.ANALYZE_MIGRATION ? resolve(process.env.ANALYZE_MIGRATION) : null;
  if (analyzeScript && !existsSync(analyzeScript)) throw new Error(`ANALYZE_MIGRATION=${analyzeScript} does not exist`);

  writeFileSync(join(FIX, RAM_PATTERN), seededBytes('vmstate-explorer pc-ram-pattern v1', RAM_PATTERN_SIZE));
  guests = assembleGuests();

  for (const f of ONLY ?? []) if (!FIXTURES.some((x) => x.file === f)) throw new Error(`--only: no fixture ${f}`);
  const machineTypes = {};
  const entries = [];
  for (const spec of FIXTURES) {
    const kept = ONLY && !ONLY.has(spec.file) ? previous.fixtures.find((p) => p.file === spec.file) : null;
    if (kept) {
      if (!existsSync(join(FIX, spec.file)) || sha256(readFileSync(join(FIX, spec.file))) !== kept.sha256) throw new Error(`--only: ${spec.file} is not as its manifest entry says; remake it too`);
      log(`keeping ${spec.file}`);
      entries.push(kept);
      continue;
    }
    log(`making ${spec.file}`);
    let made;
    if (spec.derivedFrom) {
      const src = readFileSync(join(FIX, spec.derivedFrom));
      if (src.readUInt32BE(0) !== 0x5145564d) throw new Error('derivedFrom has no QEVM header');
      writeFileSync(join(FIX, spec.file), src.subarray(8));
      const base = entries.find((e) => e.file === spec.derivedFrom);
      made = { qmpLog: base.qmp, registers: base.registers };
    } else {
      made = await makeFixture(spec, machineTypes);
    }
    chmodSync(join(FIX, spec.file), 0o644); // xen-save-devices-state creates files 0640
    const buf = readFileSync(join(FIX, spec.file));
    const mt = machineTypes[spec.binary].find((m) => m.name === spec.machine || m.alias === spec.machine);
    const entry = {
      file: spec.file,
      kind: spec.kind,
      machine: spec.machine,
      machineType: mt?.name ?? null,
      binary: spec.binary,
      qemuVersion: versions[spec.binary],
      args: spec.args,
      commandLine: commandLine(spec.binary, spec.args),
      qmp: made.qmpLog,
      ...(spec.migrationCapabilities ? { migrationCapabilities: spec.migrationCapabilities } : {}),
      ...(spec.inputs ? { inputs: spec.inputs } : {}),
      ...(spec.runsUntil ? { runsGuestProgram: guests.programs.find((g) => spec.inputs.includes(g.file)).source } : {}),
      ...(spec.derivedFrom ? {
        derivedFrom: spec.derivedFrom,
        derivation: `${spec.derivedFrom} with its first 8 bytes (be32 magic 0x5145564D "QEVM", be32 version 3) removed, ` +
          'nothing else changed. Real COLO needs two QEMUs; qemu_save_device_state writes exactly this framing ' +
          '(no magic/version, no configuration, FULL sections + footers, EOF, no vmdesc) when in COLO state.',
        commandLineNote: `QEMU command line and QMP commands are those that made ${spec.derivedFrom}`,
      } : {}),
      size: buf.length,
      sha256: sha256(buf),
      describedBy: spec.describedBy ?? (vmdescOf(buf) ? spec.file : null),
      registers: made.registers ?? null,
      loader: { extraArgs: loaderExtraArgs(spec.kind), incoming: 'exec:cat FILE', ...(spec.migrationCapabilities ? { via: '-incoming defer + migrate-set-capabilities + migrate-incoming' } : {}) },
    };
    if (made.stderr && shortReason(made.stderr)) entry.producerStderr = shortReason(made.stderr);
    entries.push(entry);
  }

  // Framing and layout (every fixture, kept ones too: their describing stream may be new).
  for (const [i, e] of entries.entries()) {
    const spec = FIXTURES.find((f) => f.file === e.file);
    const buf = readFileSync(join(FIX, e.file));
    const { facts, layout } = inspect(buf, e.describedBy ? vmdescOf(readFileSync(join(FIX, e.describedBy))) : null);
    const want = expectedFraming(spec);
    for (const k of Object.keys(want)) {
      if (facts[k] !== want[k]) throw new Error(`${spec.file}: ${k} is ${facts[k]}, expected ${want[k]}`);
    }
    // The facts go right after sha256, the layout last.
    const next = {};
    for (const [k, v] of Object.entries(e)) {
      if (k in facts || k === 'layout') continue;
      next[k] = v;
      if (k === 'sha256') Object.assign(next, facts);
    }
    entries[i] = { ...next, layout };
  }

  // Extra facts about individual fixtures.
  for (const e of entries) {
    const buf = readFileSync(join(FIX, e.file));
    if (e.inputs?.includes(RAM_PATTERN)) {
      const pat = readFileSync(join(FIX, RAM_PATTERN));
      let found = 0;
      for (let p = 0; p < pat.length; p += 4096) if (buf.includes(pat.subarray(p, p + 4096))) found++;
      e.ramPattern = { file: RAM_PATTERN, guestPhysAddr: '0x100000', size: pat.length, seed: 'vmstate-explorer pc-ram-pattern v1 (SHA-256 counter mode)', pagesFoundVerbatim: `${found}/${pat.length / 4096}` };
      if (found !== pat.length / 4096) throw new Error(`${e.file}: RAM pattern pages not all present as PAGE records`);
    }
    // Are the device sections of a device-state file byte-identical to those in its described-by stream?
    const spec = FIXTURES.find((f) => f.file === e.file);
    const other = spec.verbatimIn ?? (e.describedBy !== e.file ? e.describedBy : null);
    const d = other ? entries.find((x) => x.file === other) : null;
    if (d && d.hasFooters === e.hasFooters) {
      const body = buf.subarray(e.hasHeader ? 8 : 0, buf.length - 1);
      const obuf = readFileSync(join(FIX, d.file));
      let lo = 0, hi = body.length; // longest prefix of the FULL sections found verbatim in the other stream
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (obuf.includes(body.subarray(0, mid))) lo = mid; else hi = mid - 1; }
      e.sectionsVerbatimIn = { fixture: d.file, bytes: lo, of: body.length, offset: obuf.indexOf(body.subarray(0, lo)) };
      if (lo < body.length) e.sectionsVerbatimIn.firstDifferenceIn = sectionAt(body, lo);
    }
  }

  // loadIntoQemu reads manifest.json: write it now, complete it below.
  const manifest = buildManifest(versions, analyzeScript, previous, [], entries);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');

  // Load every fixture back into QEMU.
  for (const e of entries) {
    log(`loading back ${e.file}`);
    const r = await checkLoad(join(FIX, e.file), e.file);
    e.loadsBack = r.ok;
    e.loadResult = { status: r.status, exitCode: r.exitCode, ...(r.stderr ? { stderr: r.stderr } : {}) };
    if (e.kind === 'colo') e.loadResult.note = 'expected: -incoming needs the QEVM header; the same bytes with the header are q35-devstate.bin';
  }

  // Self-checks of loadIntoQemu: a wrong footer id for "timer" must be rejected.
  const selfChecks = [];
  const tmp = mkdtempSync(join(tmpdir(), 'vmstate-fixtures-'));
  for (const name of ['pc-devstate.bin', 'pc-migration.bin', 'q35-devstate.bin']) {
    const buf = Buffer.from(readFileSync(join(FIX, name)));
    const { sectionId, footerIdOffset } = findFooter(buf, 'timer');
    buf.writeUInt32BE(sectionId + 5, footerIdOffset);
    const f = join(tmp, `mutated-${name}`);
    writeFileSync(f, buf);
    const r = await checkLoad(f, name);
    const expected = `Mismatched section id in footer for timer - read 0x${(sectionId + 5).toString(16)} expected 0x${sectionId.toString(16)}`;
    selfChecks.push({ fixture: name, mutation: `timer footer section id ${sectionId} -> ${sectionId + 5} at offset ${footerIdOffset}`, expected, ok: !r.ok && r.stderr.includes(expected), stderr: r.stderr });
  }
  rmSync(tmp, { recursive: true, force: true });

  // Golden analyze-migration.py outputs for streams that carry a vmdesc.
  for (const e of entries) {
    if (!e.hasVmdesc) { e.analyze = null; continue; }
    const golden = e.file.replace(/\.bin$/, '.analyze.json.gz');
    if (analyzeScript) {
      const r = runAnalyze(analyzeScript, join(FIX, e.file));
      if (r.ok) {
        writeFileSync(join(FIX, golden), gzipSync(r.stdout, { level: 9 }));
        e.analyze = { ok: true, golden, gzip: true, command: `python3 analyze-migration.py -f ${e.file}`, stdoutSha256: sha256(r.stdout), stdoutBytes: r.stdout.length };
      } else {
        rmSync(join(FIX, golden), { force: true });
        e.analyze = { ok: false, command: `python3 analyze-migration.py -f ${e.file}`, error: r.error, traceback: r.traceback };
      }
    } else {
      const old = previous.fixtures.find((p) => p.file === e.file);
      if (old?.sha256 === e.sha256 && old.analyze && (!old.analyze.ok || existsSync(join(FIX, golden)))) e.analyze = old.analyze;
      else { rmSync(join(FIX, golden), { force: true }); e.analyze = { ok: null, skipped: 'ANALYZE_MIGRATION not set and no up-to-date previous result' }; }
    }
  }

  Object.assign(manifest, buildManifest(versions, analyzeScript, previous, selfChecks, entries));
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');

  for (const e of entries) {
    log(`${e.file.padEnd(26)} ${String(e.size).padStart(8)}  loadsBack=${e.loadsBack}  analyze=${e.analyze ? e.analyze.ok : '-'}`);
  }
  const failed = selfChecks.filter((c) => !c.ok);
  if (failed.length) {
    console.error('self-checks failed:', JSON.stringify(failed, null, 2));
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(`make-fixtures: ${e.stack ?? e.message}`);
  process.exit(1);
});
