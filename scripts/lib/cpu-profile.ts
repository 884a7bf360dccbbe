// Summaries of V8 CPU profiles (Profiler.stop over CDP) for the profiling scripts: self time per
// function, and the profile's time split into idle, garbage collection, native ("(program)") and
// JavaScript, optionally only between two moments (microseconds on the profile's clock).

export interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
export interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

/** Each sample's node and the time it stands for (ms), within [from, to) when given. */
function* samplesOf(p: Profile, from = -Infinity, to = Infinity): Generator<[ProfileNode, number]> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let t = p.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    const node = byId.get(samples[i]);
    if (!node || t < from || t >= to) continue;
    yield [node, (deltas[i + 1] ?? 0) / 1000];
  }
}

/** Self time per function (ms), the top `n`. */
export function hottest(p: Profile, n: number, from?: number, to?: number): string[] {
  const self = new Map<string, number>();
  for (const [node, ms] of samplesOf(p, from, to)) {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `${ms.toFixed(1).padStart(7)} ms  ${k}`);
}

/** Time (ms) by kind: idle, garbage collector, (program) (native work outside JS frames), JavaScript. */
export function split(p: Profile, from?: number, to?: number): { idle: number; gc: number; program: number; js: number } {
  const out = { idle: 0, gc: 0, program: 0, js: 0 };
  for (const [node, ms] of samplesOf(p, from, to)) {
    const name = node.callFrame.functionName;
    if (name === '(idle)') out.idle += ms;
    else if (name === '(garbage collector)') out.gc += ms;
    else if (name === '(program)') out.program += ms;
    else out.js += ms;
  }
  return out;
}
