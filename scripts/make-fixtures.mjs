#!/usr/bin/env node
// Creates the QEMU device-state / migration-stream test fixtures in public/fixtures/ with the real
// QEMU 7.2 (Debian bookworm build) and writes public/fixtures/manifest.json describing each one.
//
//   node scripts/make-fixtures.mjs
//   node scripts/make-fixtures.mjs --only pc-regs-migration.bin,q35-regs-migration.bin
//   ANALYZE_MIGRATION=/path/to/qemu-7.2/scripts/analyze-migration.py node scripts/make-fixtures.mjs
//   node scripts/make-fixtures.mjs --dest-ram pc-ram-migration.bin,pc-regs-migration.bin
//
// --dest-ram loads the named committed fixtures into a destination QEMU whose RAM is a file and
// writes what its RAM holds as NAME-dest-ram.json beside them (scripts/fixtures72/dest-ram.mjs);
// nothing else is made. --dirty makes public/fixtures/dirty72/ (a running guest's stream and its
// destination's RAM; scripts/fixtures72/dirty.mjs), nothing else.
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
// The parts live in scripts/fixtures72/: config.mjs (VM configurations, the fixture list),
// qemu-runs.mjs (QEMU sessions, load-back, analyze-migration.py), facts.mjs (walker facts, manifest).
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loaderExtraArgs } from './lib/qemu.mjs';
import { vmdescOf } from './lib/stream.mjs';
import { ARM, FIX, FIXTURES, RAM_PATTERN, RAM_PATTERN_SIZE, X86, log, sha256 } from './fixtures72/config.mjs';
import { buildManifest, expectedFraming, findFooter, inspect, sectionAt } from './fixtures72/facts.mjs';
import { assembleGuests, checkLoad, commandLine, makeFixture, qemuVersion, runAnalyze, seededBytes, shortReason } from './fixtures72/qemu-runs.mjs';
import { fixtureEntry } from './lib/fixture-entry.mjs';

const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? new Set(process.argv[i + 1]?.split(',')) : null;
})();

async function main() {
  if (process.argv.includes('--dirty')) {
    qemuVersion(X86);
    await (await import('./fixtures72/dirty.mjs')).makeDirty72();
    return;
  }
  const destRam = process.argv.indexOf('--dest-ram');
  if (destRam > 0) {
    qemuVersion(X86);
    const { destinationRam72 } = await import('./fixtures72/dest-ram.mjs');
    for (const name of process.argv[destRam + 1]?.split(',') ?? []) {
      log(`destination RAM of ${name}`);
      writeFileSync(join(FIX, name.replace(/\.bin$/, '-dest-ram.json')), JSON.stringify(await destinationRam72(name), null, 1) + '\n');
    }
    return;
  }
  const versions = { [X86]: qemuVersion(X86), [ARM]: qemuVersion(ARM) };
  mkdirSync(FIX, { recursive: true });
  const manifestPath = join(FIX, 'manifest.json');
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { fixtures: [] };
  const analyzeScript = process.env.ANALYZE_MIGRATION ? resolve(process.env.ANALYZE_MIGRATION) : null;
  if (analyzeScript && !existsSync(analyzeScript)) throw new Error(`ANALYZE_MIGRATION=${analyzeScript} does not exist`);

  writeFileSync(join(FIX, RAM_PATTERN), seededBytes('vmstate-explorer pc-ram-pattern v1', RAM_PATTERN_SIZE));
  const guests = assembleGuests();

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
      made = await makeFixture(spec, machineTypes, guests);
    }
    chmodSync(join(FIX, spec.file), 0o644); // xen-save-devices-state creates files 0640
    const buf = readFileSync(join(FIX, spec.file));
    const mt = machineTypes[spec.binary].find((m) => m.name === spec.machine || m.alias === spec.machine);
    const entry = {
      ...fixtureEntry(spec, { machineType: mt?.name ?? null, qemuVersion: versions[spec.binary], commandLine: commandLine(spec.binary, spec.args), qmp: made.qmpLog }),
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
  const manifest = buildManifest(versions, analyzeScript, previous, [], entries, guests);
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

  Object.assign(manifest, buildManifest(versions, analyzeScript, previous, selfChecks, entries, guests));
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
