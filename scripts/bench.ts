// `npm run bench`: speed and memory of the format core on real QEMU streams, as ratios measured
// in one run on this machine (issue #5). Not a test: the machines are shared and noisy.
//   node scan vs a raw fs.read loop (same slice size, one reused buffer) and vs `cat`;
//   vs QEMU's analyze-migration.py when ANALYZE_MIGRATION names a copy of it;
//   time to the section table (devices first) and peak RSS growth.
//   compressed libvirt images: decoding vs the decompressor alone (scripts/bench-compressed.ts).
// Browser figures (worker scan, main-thread tasks) come from scripts/bench-browser.ts.
import { spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { scanStream } from '../src/format/scan.ts';
import { devicesFirst } from '../src/format/devices-first.ts';
import { DEFAULT_SLICE } from '../src/format/window-reader.ts';
import { fileSource } from '../src/cli/node-source.ts';
import { benchInputs } from './bench-inputs.ts';
import { benchDiff } from './bench-diff.ts';
import { benchCli } from './bench-cli.ts';
import { benchCompat } from './bench-compat.ts';
import { benchCompressed } from './bench-compressed.ts';

const MiB = 1024 * 1024;
/** Each reader runs this many times per input; the best run counts (the worst RSS growth). */
const RUNS = 3;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T; rssGrowthMiB: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, value, rssGrowthMiB: (peak - base) / MiB };
}

async function rawRead(path: string): Promise<number> {
  const fh = await open(path, 'r');
  const buf = new Uint8Array(DEFAULT_SLICE);
  let total = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, total);
    if (!bytesRead) break;
    total += bytesRead;
  }
  await fh.close();
  return total;
}

async function coreScan(path: string) {
  const src = await fileSource(path);
  try {
    return await scanStream(src);
  } finally {
    await src.close();
  }
}

function shell(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return performance.now() - t;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const rate = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;

async function main() {
  // BENCH_ONLY=cli: only the command line's whole-process figures (needs only the 1 GiB stream).
  if (process.env.BENCH_ONLY === 'cli') return benchCli();
  // BENCH_ONLY=compare: only the comparison's figures (bench-diff.ts), here and in the browser.
  if (process.env.BENCH_ONLY === 'compare') return benchDiff();
  // BENCH_ONLY=compat: only `check --target 10.0 FILES...` over a save directory (files per second).
  if (process.env.BENCH_ONLY === 'compat') return benchCompat();
  // BENCH_ONLY=compressed: only the compressed libvirt images (issue #11).
  if (process.env.BENCH_ONLY === 'compressed') return benchCompressed();
  const inputs = await benchInputs();
  const analyze = process.env.ANALYZE_MIGRATION;
  console.log(`machine: ${spawnSync('nproc').stdout.toString().trim()} cores, node ${process.version}; inputs in ${join(inputs.random4g, '..')}`);
  // Warm the JIT once, as a long-lived worker is after its first megabytes.
  await coreScan(inputs.idle);
  for (const [name, path] of Object.entries(inputs)) {
    const size = statSync(path).size;
    shell('cat', [path]); // warm the page cache so every reader starts equal
    // Best of RUNS each, interleaved, so a busy moment on a shared machine hits every reader alike.
    const cats: number[] = [];
    const raws: Awaited<ReturnType<typeof timed<number>>>[] = [];
    const scans: Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof coreScan>>>>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      cats.push(shell('sh', ['-c', `cat '${path}' > /dev/null`]));
      raws.push(await timed(() => rawRead(path)));
      scans.push(await timed(() => coreScan(path)));
    }
    const cat = Math.min(...cats);
    const raw = raws.reduce((a, r) => (r.ms < a.ms ? r : a));
    const scan = { ...scans.reduce((a, r) => (r.ms < a.ms ? r : a)), rssGrowthMiB: Math.max(...scans.map((r) => r.rssGrowthMiB)) };
    const m = scan.value.model;
    console.log(`\n${name}: ${(size / MiB).toFixed(0)} MiB, ${m.records.length} records, ${m.ramBlocks.reduce((s, b) => s + b.pages, 0)} data pages, ${m.ramBlocks.reduce((s, b) => s + b.zero, 0)} zero pages, ${m.problems.length} problems`);
    console.log(`  best of ${RUNS} runs each, interleaved`);
    console.log(`  cat              ${fmt(cat)}  ${rate(size, cat)}`);
    console.log(`  raw fs.read loop ${fmt(raw.ms)}  ${rate(size, raw.ms)}  (${DEFAULT_SLICE / MiB} MiB slices, one buffer)`);
    console.log(`  core scan        ${fmt(scan.ms)}  ${rate(size, scan.ms)}  peak RSS growth ${scan.rssGrowthMiB.toFixed(0)} MiB`);
    console.log(`  ratio scan/raw throughput ${(raw.ms / scan.ms).toFixed(2)}  (target >= 0.9 in the worker)`);
    console.log(`  ratio scan/cat throughput ${(cat / scan.ms).toFixed(2)}  (target >= 0.5)`);
    if (analyze) {
      const py = shell('python3', [analyze, '-f', path]);
      console.log(`  analyze-migration.py ${fmt(py)}: core is ${(py / scan.ms).toFixed(1)}x faster (target >= 4)`);
    } else {
      console.log('  analyze-migration.py: set ANALYZE_MIGRATION=/path/to/analyze-migration.py to compare');
    }
    const first = await timed(async () => {
      const src = await fileSource(path);
      try {
        return await devicesFirst(src);
      } finally {
        await src.close();
      }
    });
    console.log(`  time to section table (devices first): ${first.ms.toFixed(1)} ms, ${first.value.ok ? `${first.value.records.length} devices` : `fell back: ${first.value.reason}`} (target < 300 ms)`);
  }
  const dev = join(import.meta.dirname, '../public/fixtures/q35-devstate.bin');
  const t = await timed(() => coreScan(dev));
  console.log(`\nq35-devstate.bin (${statSync(dev).size} bytes): full decode ${t.ms.toFixed(1)} ms (target < 200 ms to the table)`);
  await benchCli();
  await benchDiff();
  benchCompat();
  await benchCompressed();
}

await main();
