// Running QEMU for the library: device discovery (`-device help`, QMP device-list-properties,
// query-cpu-definitions) and one probe (start, migrate to a file, extract the vmdesc), with retries
// (scripts/make-vmdesc-library.mjs).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitForMigration } from '../lib/qmp.mjs';
import { startQemu } from '../lib/qemu.mjs';
import { startVhostUserBlkServer } from '../lib/vhost-user-blk.mjs';
import { startIvshmemServer } from '../lib/ivshmem-server.mjs';
import { startSwtpm } from '../lib/swtpm.mjs';
import { startVhostUserDaemon } from '../lib/vhost-user-daemons.mjs';
import { startVirtiofsd } from '../lib/virtiofsd.mjs';
import { MAX_ATTEMPTS, MIGRATE_TIMEOUT_MS, PROBE_TIMEOUT_MS, ROOT, START_TIMEOUT_MS, inGuest } from './options.mjs';
import { RETRY_RULES, buildArgs, needsIvshmemServer, needsSwtpm, needsVhostUserBlkServer, needsVhostUserDaemon, needsVirtiofsd } from './targets.mjs';
import { extractVmdesc } from './vmdesc-json.mjs';

// ------------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function runCapture(binary, args, timeoutMs = 30_000) {
  return new Promise((resolveP, reject) => {
    const p = ROOT ? spawn('chroot', [ROOT, binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', () => (clearTimeout(t), resolveP(out)));
  });
}

/**
 * First meaningful line of a QEMU error text, without the binary path prefix. Warnings are skipped, also
 * those after the echo of a -device option (QEMU 10.0's "-device vfio-platform,…: warning: … is
 * deprecated" comes before the error that stopped it).
 */
export function firstError(text) {
  const lines = String(text)
    .split('\n')
    .map((l) => l.replace(/^.*?qemu-system-[a-z0-9_]+: /, '').trim())
    .filter((l) => l && !/^((-device )?\S+: )?(warning|info):/i.test(l) && !/^(qemu-system-\S+ )?exited with/.test(l));
  return lines[0] ?? String(text).trim().split('\n')[0] ?? '';
}

/** QEMU with a QMP socket (scripts/lib/qemu.mjs startQemu: gives up as soon as QEMU exits). */
export const launchQemu = (binary, args, timeoutMs = START_TIMEOUT_MS) => startQemu(binary, args, { timeoutMs, chroot: ROOT ?? undefined });

// ------------------------------------------------------------------------------------------------
// Device discovery

export function parseDeviceHelp(text) {
  const devices = [];
  let category = '';
  for (const line of text.split('\n')) {
    const h = /^([A-Za-z/ ]+) devices:$/.exec(line.trim());
    if (h) { category = h[1]; continue; }
    const m = /^name "([^"]+)"(?:, bus ([^,]+))?(?:, alias "([^"]+)")?(?:, desc "(.*)")?/.exec(line.trim());
    if (m) devices.push({ type: m[1], bus: m[2] ?? null, category, desc: m[4] ?? '' });
  }
  return devices;
}

export async function discover(target, workDir) {
  const cfg = { ...target.base };
  const help = await runCapture(target.binary, ['-M', cfg.machine, '-device', 'help']);
  const devices = parseDeviceHelp(help);
  // Property names, through one QMP session (restarted if a query kills QEMU).
  let q = null;
  const props = {};
  const unknownProps = [];
  let cpus = [];
  for (const d of [{ type: null, category: '' }, ...devices]) {
    if (d.category === 'CPU') continue;
    for (let tries = 0; tries < 2; tries++) {
      try {
        if (!q) {
          q = await launchQemu(target.binary, buildArgs({ ...cfg, workDir: inGuest(workDir) }));
          q.dead = q.exited.then(() => { throw new Error('QEMU exited'); });
          q.dead.catch(() => {});
        }
        if (d.type === null) {
          const defs = await withTimeout(Promise.race([q.qmp.execute('query-cpu-definitions'), q.dead]), 10_000, 'query-cpu-definitions');
          cpus = defs.map((c) => ({ model: c.name, type: c.typename ?? c.name })).sort((a, b) => (a.model < b.model ? -1 : 1));
          break;
        }
        const list = await withTimeout(Promise.race([q.qmp.execute('device-list-properties', { typename: d.type }), q.dead]), 10_000, 'device-list-properties');
        props[d.type] = list.map((p) => p.name);
        break;
      } catch (e) {
        if (q) { q.proc.kill('SIGKILL'); q.qmp.close(); await q.exited; q = null; }
        if (tries === 1) unknownProps.push(`${d.type}: ${firstError(e.message)}`);
      }
    }
  }
  // The machine's PS/2 controller (made without an id, so a QOM path under /machine/unattached that
  // differs between machines and versions): vmmouse needs a link to it (RETRY_RULES 'i8042').
  let i8042 = null;
  if (q) {
    const kids = await withTimeout(q.qmp.execute('qom-list', { path: '/machine/unattached' }), 10_000, 'qom-list').catch(() => []);
    const k = kids.find((c) => c.type === 'child<i8042>');
    if (k) i8042 = `/machine/unattached/${k.name}`;
  }
  if (q) {
    await q.qmp.execute('quit').catch(() => {});
    await withTimeout(q.exited, 5000, 'quit').catch(() => q.proc.kill('SIGKILL'));
  }
  return { devices: devices.filter((d) => d.category !== 'CPU'), props, unknownProps, cpus, i8042 };
}

// ------------------------------------------------------------------------------------------------
// One probe: start, migrate, extract

async function stopQemu(q) {
  try {
    await withTimeout(Promise.race([q.qmp.execute('quit'), q.exited]), 3000, 'quit');
  } catch {}
  try {
    await withTimeout(q.exited, 3000, 'exit');
  } catch {
    q.proc.kill('SIGKILL');
    await q.exited;
  }
  q.qmp.close();
}

function describeExit(q) {
  const { exitCode, signalCode } = q.proc;
  return signalCode ? `killed by ${signalCode}` : `exited with status ${exitCode}`;
}

/** Runs one attempt. Returns {stage:'start'|'migrate'|'ok', error?, json?, machine?}. */
async function attempt(binary, cfg, file) {
  const args = buildArgs(cfg);
  let q;
  try {
    q = await launchQemu(binary, args);
  } catch (e) {
    return { stage: 'start', error: e.message, args };
  }
  const dead = q.exited.then(() => {
    throw new Error(`QEMU ${describeExit(q)}: ${firstError(q.stderr())}`);
  });
  dead.catch(() => {});
  const call = (cmd, a, ms = 10_000) => withTimeout(Promise.race([q.qmp.execute(cmd, a), dead]), ms, cmd);
  let phase = 'after start';
  try {
    await call('migrate-set-parameters', { 'max-bandwidth': 1e12 });
    if (cfg.run) {
      // A guest that ran (firmware, or exception loops without it) sends subsections a reset one does
      // not (x86 cpu/msr_smi_count after SeaBIOS's SMIs, piix4_pm/cpuhp after it leaves legacy mode).
      phase = 'while running';
      await call('cont');
      await sleep(cfg.run);
      await call('stop');
    }
    phase = 'during migration';
    try {
      await call('migrate', { uri: `exec:cat > ${inGuest(file)}` });
    } catch (e) {
      return { stage: 'migrate', error: e.message, args };
    }
    const info = await withTimeout(Promise.race([waitForMigration(q.qmp, { timeoutMs: MIGRATE_TIMEOUT_MS }), dead]), MIGRATE_TIMEOUT_MS + 5000, 'migration');
    if (info.status !== 'completed') {
      return { stage: 'migrate', error: `migration ${info.status}: ${info['error-desc'] ?? firstError(q.stderr())}`, args };
    }
    // exec:cat may still be flushing when QEMU reports completion; wait for the file to settle.
    let buf = null;
    for (let i = 0; i < 50; i++) {
      try {
        buf = readFileSync(file);
        return { stage: 'ok', ...extractVmdesc(buf), args, stderr: q.stderr() };
      } catch (e) {
        if (i === 49) return { stage: 'migrate', error: `stream: ${e.message}`, args };
        await sleep(50);
      }
    }
  } catch (e) {
    // A dying QEMU may close the QMP socket before the exit is seen; give it a moment to be sure.
    await Promise.race([q.exited, sleep(1000)]);
    await sleep(20);
    const crashed = q.proc.exitCode !== null || q.proc.signalCode !== null;
    const error = crashed ? `QEMU ${describeExit(q)} ${phase}: ${firstError(q.stderr()) || '(no message)'}` : e.message;
    return { stage: 'migrate', error, args, crashed };
  } finally {
    await stopQemu(q);
    rmSync(file, { force: true });
  }
}

/**
 * Runs `run` with the backend process the probed device needs, if any: a fresh vhost-user-blk server,
 * virtiofsd, swtpm, ivshmem server or vhost-user-gpu/-vsock daemon per attempt (a server serves one QEMU; a QEMU that failed may
 * have left it mid-handshake, virtiofsd and swtpm exit when their QEMU leaves, and an ivshmem master
 * must be the server's first client).
 */
async function withServer(probe, cfg, workDir, run) {
  const type = cfg.device?.type ?? '';
  const tpm = needsSwtpm(cfg);
  const start = tpm ? startSwtpm : needsVhostUserBlkServer(type) ? startVhostUserBlkServer : needsVirtiofsd(type) ? startVirtiofsd
    : needsIvshmemServer(type) ? startIvshmemServer : needsVhostUserDaemon(type) ? (socket, o) => startVhostUserDaemon(type, socket, o) : null;
  if (!start) return run();
  const socket = join(workDir, `${tpm ? 'tpm' : 'vu'}-${probe.index}.sock`);
  let server;
  try {
    server = await start(inGuest(socket), { chroot: ROOT });
  } catch (e) {
    return { stage: 'start', error: e.message, args: [] };
  }
  if (tpm) cfg.tpmSocket = inGuest(socket);
  else cfg.serverSocket = inGuest(socket);
  try {
    return await run();
  } finally {
    await server.stop();
  }
}

/** A probe with retries driven by RETRY_RULES. */
export async function runProbe(probe, workDir) {
  const cfg = structuredClone(probe.cfg);
  cfg.workDir = inGuest(workDir);
  const applied = new Set();
  const t0 = Date.now();
  const file = join(workDir, `probe-${probe.index}.bin`);
  let last;
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    if (Date.now() - t0 > PROBE_TIMEOUT_MS) return { ...last, error: `timeout (${last?.error ?? ''})`, attempts: n };
    last = await withServer(probe, cfg, workDir, () => attempt(probe.binary, cfg, file));
    if (last.stage === 'ok') break;
    const msg = last.error;
    // A refused migration is final unless a rule is meant for it (or someone else killed QEMU).
    const stage = last.stage === 'migrate' && !/killed by SIGTERM/.test(msg) ? 'migrate' : 'start';
    const rule = RETRY_RULES.find((r) => !applied.has(r.name) && (r.stage ?? 'start') === stage && r.re.test(msg));
    if (!rule) break;
    applied.add(rule.name);
    if (!rule.fix(cfg, rule.re.exec(msg))) break;
  }
  return { ...last, fixes: [...applied], ms: Date.now() - t0 };
}
