// `node scripts/make-fixtures.mjs --dirty`: a QEMU 7.2 precopy migration of a running guest that
// keeps rewriting RAM (scripts/guests/x86-dirty.S, the firmware the 10.0/11.1 multifd-dirty
// fixtures run: QEMU 10.0's script assembled it into public/fixtures/qemu10/multifd-dirty/), so
// its 16 pages are sent again in later rounds of one stream, and what a real 7.2 destination held
// after loading it (dest-ram.mjs). The oracle of the last write per page of a plain stream
// (src/cli/ram-command.test.ts). In public/fixtures/dirty72/ with a manifest of its own: the fuzz
// takes every .bin of public/fixtures/ as input (src/format/testing/fuzz-cases.ts) and the tests
// iterate that folder's manifest, so neither changes.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loggedQmp, machineTypeOf, waitForMigration } from '../lib/qmp.mjs';
import { FIXTURES_DIR, REPO_ROOT, startQemu } from '../lib/qemu.mjs';
import { commandLine, qemuVersion } from './qemu-runs.mjs';
import { destinationRam72 } from './dest-ram.mjs';
import { FIX_REL, X86, log, sha256 } from './config.mjs';

const DIR = 'dirty72';
const ROM = 'qemu10/multifd-dirty/dirty-x86.rom';
const FILE = `${DIR}/pc-dirty-migration.bin`;
const SLOW = 64 * 1024;
const FAST = 1024 * 1024 * 1024;
/** How long the rounds go on before the bandwidth lets the migration end. */
const ROUNDS_MS = 4000;
const ARGS = ['-M', 'pc', '-m', '16', '-nodefaults', '-display', 'none', '-S', '-rtc', 'base=2024-01-01T00:00:00,clock=vm', '-bios', `${FIX_REL}/${ROM}`];

export async function makeDirty72() {
  mkdirSync(join(FIXTURES_DIR, DIR), { recursive: true });
  rmSync(join(FIXTURES_DIR, FILE), { force: true });
  const q = await startQemu(X86, ARGS, { cwd: REPO_ROOT });
  const { run, log: qmpLog } = loggedQmp(q, FILE);
  let machineType;
  try {
    machineType = await machineTypeOf(q.qmp, 'pc'); // read-only, resolves the alias
    // At SLOW bytes a second the 16 rewritten pages (64 KiB) take longer to send than the default
    // 300 ms downtime limit allows, so the migration goes round after round (each sending the pages
    // again, rewritten meanwhile) until the bandwidth is raised and it can end. Without that the
    // first round, nearly all zero pages, ended before the guest had rewritten anything.
    await run('migrate-set-parameters', { 'max-bandwidth': SLOW });
    await run('cont');
    await run('migrate', { uri: `exec:cat > ${FIX_REL}/${FILE}` });
    qmpLog.push({ wait: `${ROUNDS_MS} ms, the guest running and the migration going round` });
    await new Promise((r) => setTimeout(r, ROUNDS_MS));
    await run('migrate-set-parameters', { 'max-bandwidth': FAST });
    qmpLog.push({ execute: 'query-migrate', repeated: 'polled (scripts/lib/qmp.mjs waitForMigration) until status "completed"' });
    const st = await waitForMigration(q.qmp);
    if (st.status !== 'completed') throw new Error(`${FILE}: migration ${st.status}: ${st['error-desc'] ?? ''}`);
    await q.close();
  } catch (e) {
    q.proc.kill('SIGKILL');
    throw e;
  }
  const bytes = readFileSync(join(FIXTURES_DIR, FILE));
  const entry = {
    file: FILE, kind: 'migration', machine: 'pc', machineType, binary: X86, qemuVersion: qemuVersion(X86), args: ARGS,
    commandLine: commandLine(X86, ARGS), qmp: qmpLog, inputs: [ROM], inputSha256: sha256(readFileSync(join(FIXTURES_DIR, ROM))),
    runsGuestProgram: 'scripts/guests/x86-dirty.S', size: bytes.length, sha256: sha256(bytes),
  };
  const manifest = {
    description: 'A QEMU 7.2 migration stream of a running guest that keeps rewriting 16 pages of RAM (made by scripts/make-fixtures.mjs --dirty, scripts/fixtures72/dirty.mjs), and what a real QEMU 7.2 destination held after loading it (pc-dirty-migration-dest-ram.json). Reruns differ: the guest runs while it migrates.',
    fixtures: [entry],
  };
  writeFileSync(join(FIXTURES_DIR, DIR, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  log(`${FILE}: ${bytes.length} bytes; destination RAM`);
  const ram = await destinationRam72(FILE, entry);
  writeFileSync(join(FIXTURES_DIR, FILE.replace(/\.bin$/, '-dest-ram.json')), JSON.stringify(ram, null, 1) + '\n');
}
