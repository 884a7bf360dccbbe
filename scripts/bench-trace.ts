// Reads a Chromium trace recorded by the bench (BENCH_PROFILE=DIR, bench-open4g.ts) and prints
// where the time of one open went, between the marks instrument.js sets (bench-change,
// bench-open-posted, bench-container, bench-devices, bench-first-row-frame, bench-reply):
// per thread (the page's main thread, the scan worker), self time per function from V8's sampling
// profiler and the longest top-level tasks. A tool for people, not part of `npm run bench`.
// Usage: node bin/tsx-run.js scripts/bench-trace.ts TRACE.json [FROM-MARK] [TO-MARK] [TOP]
import { readFileSync } from 'node:fs';

interface TraceEvent { name: string; cat: string; ph: string; ts: number; dur?: number; pid: number; tid: number; id?: string; args?: any }
interface ProfileNode { id: number; parent?: number; callFrame: { functionName: string; url: string; lineNumber: number } }

const [file, from = 'bench-open-posted', to = 'bench-first-row-frame', topArg = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: bench-trace.ts TRACE.json [FROM-MARK] [TO-MARK] [TOP]');
const raw = JSON.parse(readFileSync(file, 'utf8'));
const events: TraceEvent[] = Array.isArray(raw) ? raw : raw.traceEvents;
const top = Number(topArg);

const threadNames = new Map<string, string>();
for (const e of events) if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args.name);

// The last open's marks (a page opens one file here, but take the last of each to be safe).
const marks = new Map<string, number>();
for (const e of events) if (e.cat.includes('blink.user_timing') && e.name.startsWith('bench-')) marks.set(e.name, e.ts);
// Two moments on the worker's own clock: it starts handling the open (its first message handled
// after bench-open-posted), and it posts the message the page handles as bench-devices (its last
// post before that mark): 'worker-open' and 'worker-devices' as FROM/TO.
const workerThread = [...threadNames].find(([, n]) => n === 'DedicatedWorker thread')?.[0];
const onWorker = (e: TraceEvent) => `${e.pid}:${e.tid}` === workerThread;
const posted = marks.get('bench-open-posted');
const handled = events.filter((e) => onWorker(e) && e.name === 'HandlePostMessage' && posted !== undefined && e.ts >= posted).sort((a, b) => a.ts - b.ts)[0];
if (handled) marks.set('worker-open', handled.ts);
const devicesAt = marks.get('bench-devices');
const sent = events.filter((e) => onWorker(e) && e.name === 'SchedulePostMessage' && devicesAt !== undefined && e.ts <= devicesAt).sort((a, b) => b.ts - a.ts)[0];
if (sent) marks.set('worker-devices', sent.ts);
const t0 = marks.get('bench-change') ?? 0;
console.log(`marks (ms after bench-change): ${[...marks].sort((a, b) => a[1] - b[1]).map(([n, t]) => `${n} ${((t - t0) / 1000).toFixed(1)}`).join(', ')}`);
const start = marks.get(from);
const end = marks.get(to);
if (start === undefined || end === undefined) throw new Error(`no mark ${start === undefined ? from : to} in ${file}`);
console.log(`window ${from} → ${to}: ${((end - start) / 1000).toFixed(1)} ms`);

// V8's sampling profiles: one 'Profile' per thread, its nodes and samples in 'ProfileChunk's.
const profiles = new Map<string, { thread: string; startTime: number; nodes: Map<number, ProfileNode>; samples: number[]; deltas: number[] }>();
for (const e of events) {
  if (e.name !== 'Profile' && e.name !== 'ProfileChunk') continue;
  const key = `${e.pid}:${e.id}`;
  let p = profiles.get(key);
  if (!p) profiles.set(key, (p = { thread: threadNames.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`, startTime: 0, nodes: new Map(), samples: [], deltas: [] }));
  const d = e.args?.data;
  if (e.name === 'Profile') p.startTime = d.startTime;
  else {
    for (const n of d.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n);
    p.samples.push(...(d.cpuProfile?.samples ?? []));
    p.deltas.push(...(d.timeDeltas ?? []));
  }
}

for (const p of profiles.values()) {
  const self = new Map<string, number>();
  // TRACE_CALLERS=NAME: the call stacks under which NAME ran, by time.
  const callers = new Map<string, number>();
  const frameName = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.deltas[i] ?? 0;
    if (t < start || t > end) continue;
    const dt = (p.deltas[i + 1] ?? 0) / 1000;
    const n = p.nodes.get(p.samples[i]);
    if (!n) continue;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + dt);
    if (process.env.TRACE_CALLERS && f.functionName === process.env.TRACE_CALLERS) {
      const stack: string[] = [];
      for (let up = n.parent === undefined ? undefined : p.nodes.get(n.parent); up && stack.length < 12; up = up.parent === undefined ? undefined : p.nodes.get(up.parent)) stack.push(frameName(up));
      const k = stack.join(' < ');
      callers.set(k, (callers.get(k) ?? 0) + dt);
    }
    total += dt;
  }
  if (total < 1) continue;
  console.log(`\n${p.thread}: ${total.toFixed(1)} ms sampled in the window; self time by function:`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  for (const [stack, ms] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${process.env.TRACE_CALLERS} ${ms.toFixed(1)} ms under ${stack}`);
}

// Top-level tasks of the page's main thread and the workers that overlap the window.
for (const [key, thread] of threadNames) {
  if (thread !== 'CrRendererMain' && thread !== 'DedicatedWorker thread') continue;
  const [pid, tid] = key.split(':').map(Number);
  const tasks = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.ts + (e.dur ?? 0) > start && e.ts < end);
  if (!tasks.length) continue;
  const busy = tasks.reduce((s, e) => s + Math.min(end, e.ts + (e.dur ?? 0)) - Math.max(start, e.ts), 0) / 1000;
  // Thread time (tdur): the CPU the tasks got, which the machine's load moves far less than wall time.
  const cpu = tasks.reduce((s, e) => s + ((e as { tdur?: number }).tdur ?? 0) * Math.min(1, (Math.min(end, e.ts + (e.dur ?? 0)) - Math.max(start, e.ts)) / Math.max(1, e.dur ?? 0)), 0) / 1000;
  console.log(`\n${thread} (${key}): ${tasks.length} tasks, busy ${busy.toFixed(1)} ms of the window (thread CPU time ${cpu.toFixed(1)} ms); the longest:`);
  for (const e of [...tasks].sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0)).slice(0, 8)) {
    const inner = events.filter((x) => x.pid === pid && x.tid === tid && x.ph === 'X' && x.ts >= e.ts && x.ts + (x.dur ?? 0) <= e.ts + (e.dur ?? 0) && x !== e && (x.dur ?? 0) > 2000 && !x.name.includes('RunTask'));
    const what = [...new Set(inner.map((x) => `${x.name} ${((x.dur ?? 0) / 1000).toFixed(1)}`))].slice(0, 6).join('; ');
    console.log(`  at ${((e.ts - t0) / 1000).toFixed(1).padStart(7)} ms: ${((e.dur ?? 0) / 1000).toFixed(1).padStart(6)} ms  ${what}`);
  }
}
