// `npm run fuzz [-- --cases N --seed S --from I --case-ms 2000 --heap-mb 256]`: seeded mutations of
// every fixture kind (src/format/testing/fuzz-cases.ts), decoded in a child process the way the
// worker and the CLI decode them (with the bundled library, or a supplied description loaded as
// --vmdesc loads it). A case fails on an exception that is not our DecodeError, a problem that is
// not one plain line naming an offset inside the file, records that do not tile, the section table
// printing file text raw, more than --case-ms of CPU time (a child
// silent for a minute is killed as hung), or more than --heap-mb of heap left after
// it (after a GC). A hung or crashed child is killed and its case reported; the run goes on, so
// one long run reports every failure. Exit 1 if any case failed. CI runs a bounded slice of the
// same cases in src/cli/fuzz.test.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fuzzCase, fuzzInputs } from '../src/format/testing/fuzz-cases.ts';
import { runCase } from '../src/cli/fuzz-check.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const seed = arg('--seed', 1);
const from = arg('--from', 0);
const cases = arg('--cases', 5000);
const caseMs = arg('--case-ms', 2000);
const heapMb = arg('--heap-mb', 256);

type Report = { type: 'ready' } | { type: 'done'; i: number; ms: number; fault: string | null; heapMiB: number };

async function child(): Promise<void> {
  const inputs = await fuzzInputs();
  const gc = (globalThis as { gc?: () => void }).gc;
  const baseline = process.memoryUsage().heapUsed;
  process.send!({ type: 'ready' } satisfies Report);
  for (let i = from; i < from + cases; i++) {
    const c = fuzzCase(inputs, seed, i);
    // CPU time, not wall time: on a shared machine a case waits for a core as long as it runs.
    const t = process.cpuUsage();
    const wall = performance.now();
    let fault: string | null;
    try {
      fault = await runCase(c);
    } catch (e) {
      fault = `exception ${(e as Error).stack ?? e}`;
    }
    const cpu = process.cpuUsage(t);
    const ms = (cpu.user + cpu.system) / 1000;
    if (ms > caseMs) fault ??= `took ${ms.toFixed(0)} ms of CPU (limit ${caseMs}; ${(performance.now() - wall).toFixed(0)} ms of wall time)`;
    let heap = process.memoryUsage().heapUsed - baseline;
    if (heap > heapMb * 2 ** 20 && gc) {
      gc();
      heap = process.memoryUsage().heapUsed - baseline;
    }
    if (heap > heapMb * 2 ** 20) fault ??= `heap grew by ${(heap / 2 ** 20).toFixed(0)} MiB (limit ${heapMb})`;
    if (fault) fault = `${c.input}: ${fault}\n  mutations: ${c.history.join(' | ')}`;
    process.send!({ type: 'done', i, ms, fault, heapMiB: heap / 2 ** 20 } satisfies Report);
  }
}

async function parent(): Promise<void> {
  const started = Date.now();
  console.log(`fuzz: seed ${seed}, cases ${from}..${from + cases - 1}, limits ${caseMs} ms and ${heapMb} MiB of heap per case; inputs: ${(await fuzzInputs()).map((i) => i.name).join(', ')}`);
  let next = from;
  let done = 0;
  let slowest = { ms: 0, i: -1 };
  let maxHeap = 0;
  const failures: string[] = [];
  let lastReport = Date.now();
  let proc: ChildProcess | undefined;
  const summary = () => {
    const secs = (Date.now() - started) / 1000;
    console.log(`\nseed ${seed}: ${done} cases (${from}..${from + done - 1}) in ${secs.toFixed(0)} s (${(done / secs).toFixed(1)} cases/s), ${failures.length} failed, slowest case ${slowest.i} (${slowest.ms.toFixed(0)} ms CPU), largest heap left after a case ${maxHeap.toFixed(0)} MiB`);
    for (const f of failures.slice(0, 50)) console.log(`  ${f}`);
  };
  // A long run stopped early (SIGTERM, Ctrl+C) still reports exactly what it ran.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      proc?.kill('SIGKILL');
      console.log(`\nstopped by ${sig}`);
      summary();
      process.exit(failures.length ? 1 : 0);
    });
  }
  while (next < from + cases) {
    // One child at a time; a hung or crashed one is replaced, starting after its case.
    await new Promise<void>((resolve) => {
      proc = fork(join(import.meta.dirname, '../bin/tsx-run.js'), [import.meta.filename, '--child', '--seed', String(seed), '--from', String(next), '--cases', String(from + cases - next), '--case-ms', String(caseMs), '--heap-mb', String(heapMb)], {
        execArgv: ['--expose-gc', `--max-old-space-size=${heapMb * 4}`, '--stack-size=984'],
      });
      // Until the child has loaded its inputs (seconds on a busy machine) no case is running.
      let last = Infinity;
      const watchdog = setInterval(() => {
        if (Date.now() - last < Math.max(60_000, caseMs * 30)) return;
        failures.push(`case ${next}: hung for ${Date.now() - last} ms; killed`);
        proc!.kill('SIGKILL');
      }, 500);
      proc.on('message', (r: Report) => {
        last = Date.now();
        if (r.type === 'ready') return;
        next = r.i + 1;
        done++;
        if (r.ms > slowest.ms) slowest = { ms: r.ms, i: r.i };
        maxHeap = Math.max(maxHeap, r.heapMiB);
        if (r.fault) {
          failures.push(`case ${r.i}: ${r.fault}`);
          console.error(`FAIL seed ${seed} case ${r.i}: ${r.fault}`);
        }
        if (Date.now() - lastReport > 60_000) {
          lastReport = Date.now();
          console.log(`${done} cases, ${((done * 1000) / (Date.now() - started)).toFixed(1)}/s, ${failures.length} failed, slowest case ${slowest.i} (${slowest.ms.toFixed(0)} ms CPU)`);
        }
      });
      proc.on('exit', (code, signal) => {
        clearInterval(watchdog);
        if (next < from + cases && !signal) {
          failures.push(`case ${next}: the child exited with ${code} (out of memory or a crash)`);
          console.error(`FAIL seed ${seed} case ${next}: the child exited with ${code}`);
        }
        if (next < from + cases) {
          next++;
          done++;
        }
        resolve();
      });
    });
  }
  summary();
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv.includes('--child')) await child();
else await parent();
