// Minimal QMP client for the fixture, library and real-QEMU test scripts (QEMU itself is started
// by startQemu in ./qemu.mjs). QMP is line-delimited JSON over a unix socket
// (docs/interop/qmp-spec.rst).
import net from 'node:net';

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

/**
 * A QMP runner that records each command it sends, as the fixture manifests list them (qmpLog):
 * `{ execute, arguments? }`, in order. `file`: when given, a failed command throws
 * "FILE: QMP CMD failed: QMP's message" with QEMU's stderr (and .qmpError, QMP's message alone);
 * without it, QMP's own error. `q` is what startQemu resolves to.
 */
export function loggedQmp(q, file) {
  const log = [];
  const run = async (execute, args) => {
    log.push(args === undefined ? { execute } : { execute, arguments: args });
    if (file === undefined) return q.qmp.execute(execute, args);
    try {
      return await q.qmp.execute(execute, args);
    } catch (e) {
      throw Object.assign(new Error(`${file}: QMP ${execute} failed: ${e.message}\n${q.stderr()}`), { qmpError: e.message });
    }
  };
  return { run, log };
}

/**
 * The machine type `machine` (a name, or an alias such as pc) resolves to in this QEMU, or null.
 * Read-only (query-machines), so not part of a fixture's recorded recipe.
 */
export async function machineTypeOf(qmp, machine) {
  const machines = await qmp.execute('query-machines');
  return machines.find((m) => m.name === machine || m.alias === machine)?.name ?? null;
}
