// `npm run fuzz [-- --cases N --seed S --from I --case-ms 2000 --heap-mb 256 --hang-ms 60000 --jobs 1]`:
// seeded mutations of every fixture kind (src/format/testing/fuzz-cases.ts: bare streams, device
// states, COLO buffers, multifd channels, QEMU 7.2 to 11.1, libvirt, xl and qcow2 containers),
// decoded in a child process the way the worker and the CLI decode them (with the bundled
// library, or a supplied description loaded as --vmdesc loads it). A case fails on an exception
// that is not our DecodeError, a problem that is not one plain line naming an offset inside the
// file, records that do not tile, the section table printing file text raw, more than --case-ms
// of CPU time, or more than --heap-mb of heap left after it (after a GC); a child silent for
// --hang-ms is killed as hung. A hung or crashed child is replaced and its case reported; the run
// goes on, so one long run reports every failure. Exit 1 if any case failed. --jobs N runs N
// children at once over contiguous slices. The summary gives the cases' CPU-time distribution
// and the ten slowest. CI runs a bounded slice of the same cases in src/cli/fuzz.test.ts;
// scripts/fuzz.test.ts proves the limits with the --slow-case, --huge-case and --hang-case hooks.
// --before11 replays cases found before QEMU 11.1 and the containers joined the inputs.
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
// A child silent this long is killed as hung (its case is reported).
const hangMs = arg('--hang-ms', Math.max(60_000, caseMs * 30));
// Self-tests of the limits (scripts/fuzz.test.ts): case N burns CPU past --case-ms, keeps
// 1.5 x --heap-mb alive, or never returns. -1: off.
const slowCase = arg('--slow-case', -1);
// Replays cases found before QEMU 11.1 and the containers joined the inputs (fuzz-cases.ts).
const before11 = process.argv.includes('--before11');
const hugeCase = arg('--huge-case', -1);
const hangCase = arg('--hang-case', -1);

type Report = { type: 'ready'; inputs: string[] } | { type: 'done'; i: number; input: string; ms: number; fault: string | null; heapMiB: number };

/** What --huge-case keeps alive until its case has been measured. */
const keep = globalThis as { fuzzKept?: unknown };

async function child(): Promise<void> {
  const inputs = await fuzzInputs({ before11 });
  const gc = (globalThis as { gc?: () => void }).gc;
  // The baseline is live memory only: loading the inputs leaves tens of MiB of garbage, which
  // counted into the baseline let a case keep that much more than --heap-mb unnoticed.
  gc?.();
  const baseline = process.memoryUsage().heapUsed;
  process.send!({ type: 'ready', inputs: inputs.map((i) => i.name) } satisfies Report);
  for (let i = from; i < from + cases; i++) {
    const c = fuzzCase(inputs, seed, i);
    // CPU time, not wall time: on a shared machine a case waits for a core as long as it runs.
    const t = process.cpuUsage();
    const wall = performance.now();
    let fault: string | null;
    try {
      fault = await runCase(c);
      if (i === slowCase) while (process.cpuUsage(t).user < caseMs * 1500);
      if (i === hugeCase) keep.fuzzKept = Array.from({ length: Math.ceil(heapMb * 1.5) }, () => new Array(2 ** 17).fill(i + 0.5));
      if (i === hangCase) for (;;);
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
    // Every limit a case broke is reported: a case that keeps too much alive also spends CPU
    // building it, and on a loaded machine that may pass the CPU limit too.
    if (heap > heapMb * 2 ** 20) fault = [fault, `heap grew by ${(heap / 2 ** 20).toFixed(0)} MiB (limit ${heapMb})`].filter(Boolean).join('; ');
    if (fault) fault = `${c.input}: ${fault}\n  mutations: ${c.history.join(' | ')}`;
    process.send!({ type: 'done', i, input: c.input, ms, fault, heapMiB: heap / 2 ** 20 } satisfies Report);
    keep.fuzzKept = undefined;
  }
}

/** Per-case CPU times: percentiles and the slowest cases, for the summary. */
class CaseTimes {
  private readonly ms: number[] = [];
  readonly slowest: { i: number; input: string; ms: number }[] = [];
  add(i: number, input: string, ms: number): void {
    this.ms.push(ms);
    if (this.slowest.length < 10 || ms > this.slowest[this.slowest.length - 1].ms) {
      this.slowest.push({ i, input, ms });
      this.slowest.sort((a, b) => b.ms - a.ms);
      this.slowest.length = Math.min(this.slowest.length, 10);
    }
  }
  summary(): string {
    if (!this.ms.length) return 'no case timed';
    const sorted = Float64Array.from(this.ms).sort();
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    return `case CPU ms: mean ${mean.toFixed(1)}, median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, p99.9 ${q(0.999)}, max ${q(1)}\n  slowest: ${this.slowest.map((s) => `${s.i} ${s.input} ${s.ms.toFixed(0)} ms`).join('; ')}`;
  }
}

async function parent(): Promise<void> {
  const started = Date.now();
  // --jobs N: N children at once, each over its own contiguous slice of the cases (a case is a
  // pure function of seed and index, so the slicing changes nothing about any case).
  const jobs = Math.max(1, Math.min(arg('--jobs', 1), cases));
  let printedInputs = false;
  let done = 0;
  const times = new CaseTimes();
  let maxHeap = 0;
  const failures: { i: number; text: string }[] = [];
  let lastReport = Date.now();
  const procs = new Set<ChildProcess>();
  const per = Math.ceil(cases / jobs);
  const slices = Array.from({ length: jobs }, (_, k) => ({ first: from + k * per, next: from + k * per, end: Math.min(from + cases, from + (k + 1) * per) })).filter((s) => s.first < s.end);
  const fail = (i: number, text: string) => {
    failures.push({ i, text: `case ${i}: ${text}` });
    console.error(`FAIL seed ${seed} case ${i}: ${text}`);
  };
  const summary = () => {
    const secs = (Date.now() - started) / 1000;
    const ran = slices.map((s) => (s.next > s.first ? `${s.first}..${s.next - 1}` : '')).filter(Boolean).join(', ');
    console.log(`\nseed ${seed}: ${done} cases (${ran}) in ${secs.toFixed(0)} s (${(done / secs).toFixed(1)} cases/s), ${failures.length} failed, slowest case ${times.slowest[0]?.i ?? -1} (${(times.slowest[0]?.ms ?? 0).toFixed(0)} ms CPU), largest heap left after a case ${maxHeap.toFixed(0)} MiB`);
    console.log(times.summary());
    for (const f of failures.sort((a, b) => a.i - b.i).slice(0, 50)) console.log(`  ${f.text}`);
  };
  // A long run stopped early (SIGTERM, Ctrl+C) still reports exactly what it ran.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const p of procs) p.kill('SIGKILL');
      console.log(`\nstopped by ${sig}`);
      summary();
      process.exit(failures.length ? 1 : 0);
    });
  }
  const hooks = [['--slow-case', slowCase], ['--huge-case', hugeCase], ['--hang-case', hangCase]].flatMap(([k, v]) => (v === -1 ? [] : [String(k), String(v)]));
  if (before11) hooks.push('--before11');
  // One child at a time per slice; a hung or crashed one is replaced, starting after its case.
  const runSlice = async (slice: (typeof slices)[number]) => {
    while (slice.next < slice.end) {
      await new Promise<void>((resolve) => {
        const proc = fork(join(import.meta.dirname, '../bin/tsx-run.js'), [import.meta.filename, '--child', '--seed', String(seed), '--from', String(slice.next), '--cases', String(slice.end - slice.next), '--case-ms', String(caseMs), '--heap-mb', String(heapMb), ...hooks], {
          // A young generation large enough for one case's field trees: they die young instead of
          // being promoted and collected by full GCs (half of a case's CPU time before).
          execArgv: ['--expose-gc', `--max-old-space-size=${heapMb * 4}`, '--max-semi-space-size=64', '--stack-size=984'],
        });
        procs.add(proc);
        // Until the child has loaded its inputs (seconds on a busy machine) no case is running.
        let last = Infinity;
        const watchdog = setInterval(() => {
          if (Date.now() - last < hangMs) return;
          // Once: the child's exit arrives after a few more ticks of this timer.
          clearInterval(watchdog);
          fail(slice.next, `hung for ${Date.now() - last} ms; killed`);
          proc.kill('SIGKILL');
        }, 500);
        proc.on('message', (r: Report) => {
          last = Date.now();
          if (r.type === 'ready') {
            if (!printedInputs) console.log(`inputs: ${r.inputs.join(', ')}`);
            printedInputs = true;
            return;
          }
          slice.next = r.i + 1;
          done++;
          times.add(r.i, r.input, r.ms);
          maxHeap = Math.max(maxHeap, r.heapMiB);
          if (r.fault) fail(r.i, r.fault);
          if (Date.now() - lastReport > 60_000) {
            lastReport = Date.now();
            console.log(`${done} cases, ${((done * 1000) / (Date.now() - started)).toFixed(1)}/s, ${failures.length} failed, slowest case ${times.slowest[0].i} (${times.slowest[0].ms.toFixed(0)} ms CPU)`);
          }
        });
        proc.on('exit', (code, signal) => {
          clearInterval(watchdog);
          procs.delete(proc);
          if (slice.next < slice.end && !signal) fail(slice.next, `the child exited with ${code} (out of memory or a crash)`);
          if (slice.next < slice.end) {
            slice.next++;
            done++;
          }
          resolve();
        });
      });
    }
  };
  console.log(`fuzz: seed ${seed}, cases ${from}..${from + cases - 1}${jobs > 1 ? ` in ${slices.length} jobs` : ''}, limits ${caseMs} ms and ${heapMb} MiB of heap per case`);
  await Promise.all(slices.map(runSlice));
  summary();
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv.includes('--child')) await child();
else await parent();
