// Minimal QMP client and QEMU process helper for the fixture, library and real-QEMU test scripts.
// QMP is line-delimited JSON over a unix socket (docs/interop/qmp-spec.rst).
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Qmp {
  constructor(socket) {
    this.socket = socket;
    this.buffer = '';
    this.waiters = [];
    this.events = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line);
        if (msg.event) this.events.push(msg);
        else this.waiters.shift()?.resolve(msg);
      }
    });
    // If QEMU dies (e.g. a segfault during a command) pending commands reject instead of hanging.
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('QMP connection closed'));
    });
  }

  /** Connects and negotiates capabilities; retries until timeoutMs or until `abort()` returns true. */
  static async connect(path, timeoutMs = 10_000, { abort } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise((resolve, reject) => {
          const s = net.createConnection(path, () => resolve(s));
          s.once('error', reject);
        });
        const qmp = new Qmp(socket);
        await qmp.next(); // greeting
        await qmp.execute('qmp_capabilities');
        return qmp;
      } catch (e) {
        if (Date.now() > deadline || abort?.()) throw new Error(`QMP connect to ${path} failed: ${e.message}`);
        await sleep(50);
      }
    }
  }

  next() {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Runs a command; resolves with `return`, rejects with QMP's error description. */
  async execute(command, args) {
    const reply = this.next();
    this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    const msg = await reply;
    if (msg.error) throw new Error(`${command}: ${msg.error.desc}`);
    return msg.return;
  }

  hmp(commandLine) {
    return this.execute('human-monitor-command', { 'command-line': commandLine });
  }

  close() {
    this.socket.destroy();
  }
}

/** Error for a QEMU that exited before QMP was up; carries `exitCode` and the full `stderr`. */
function exitError(binary, exitCode, stderr) {
  return Object.assign(new Error(`${binary} exited with ${exitCode}: ${stderr.trim()}`), { exitCode, stderr });
}

/**
 * Starts `binary` with `args` plus a QMP socket. Returns { qmp, proc, stderr(), exited }.
 * `exited` resolves with the exit code (128 if killed by a signal); stderr is collected for
 * error messages. Optional `cwd` is the working directory of QEMU (relative paths in args).
 */
export async function startQemu(binary, args, { timeoutMs = 20_000, cwd } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vmstate-qmp-'));
  const sock = join(dir, 'qmp.sock');
  const proc = spawn(binary, [...args, '-qmp', `unix:${sock},server=on,wait=off`], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdout.resume();
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  let earlyExit = null;
  exited.then((c) => (earlyExit = c));
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(sock)) {
    if (earlyExit !== null) throw exitError(binary, earlyExit, stderr);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`${binary} did not open QMP: ${stderr.trim()}`); }
    await sleep(20);
  }
  let qmp;
  try {
    qmp = await Qmp.connect(sock, timeoutMs, { abort: () => earlyExit !== null });
  } catch (e) {
    if (earlyExit === null) { proc.kill('SIGKILL'); throw e; }
    await sleep(20); // let the last stderr lines arrive
    throw exitError(binary, earlyExit, stderr);
  }
  return { qmp, proc, exited, stderr: () => stderr };
}

/** Polls query-migrate until it leaves the active states; returns the final status object. */
export async function waitForMigration(qmp, { timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await qmp.execute('query-migrate');
    if (info.status && !['setup', 'active', 'pre-switchover', 'device', 'wait-unplug'].includes(info.status)) return info;
    if (Date.now() > deadline) throw new Error(`migration still ${info.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}
