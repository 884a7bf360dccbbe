// Two builds of the app against each other and against the decompressor alone (issue #11), in one
// run: this tree and another checkout (AB_BASE, e.g. a worktree of main) are built and served, and
// each compressed image is opened in turn in each build in one persistent browser profile (a
// user's window: OPFS on disk), with the decompressor alone (bench-browser/codec-worker.js, all
// at once and 1 MiB pieces) between the opens, so all figures share the machine's load of the
// moment. The decoding is the open's request to its last decompression progress (the stream in
// the spill), as in `npm run bench`.
// The decompressor reading the File itself (File.stream() piped into it) is the second baseline.
// AB_KIND=random (default) or realistic picks the images' guest memory (bench-compressed.ts).
//   AB_BASE=/path/to/checkout [AB_KIND=realistic] node bin/tsx-run.js scripts/bench-ab.ts [gzip xz zstd]
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { BrowserContext } from '@playwright/test';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { streamStart } from '../src/format/testing/libvirt-fixtures.ts';
import { compressedImage, type MemoryKind } from './bench-compressed.ts';
import { CHROMIUM_ARGS, fmtMs, INSTRUMENT, median, MiB, openInApp, SETTLE_MS, sleep, VIEWPORT } from './bench-harness.ts';

const ROOT = join(import.meta.dirname, '..');
const BASE = process.env.AB_BASE;
if (!BASE) throw new Error('AB_BASE: the checkout to compare with (a worktree of main)');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KIND = (process.env.AB_KIND ?? 'random') as MemoryKind;
const codecs = process.argv.slice(2).length ? process.argv.slice(2) : ['gzip', 'zstd', 'xz'];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function serve(root: string, port: number) {
  const outDir = mkdtempSync(join(tmpdir(), 'vmstate-bench-ab-'));
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  mkdirSync(join(outDir, 'bench-browser'));
  const helpers = join(ROOT, 'scripts/bench-browser');
  for (const f of readdirSync(helpers)) copyFileSync(join(helpers, f), join(outDir, 'bench-browser', f));
  copyFileSync(join(ROOT, 'node_modules/fzstd/umd/index.js'), join(outDir, 'bench-browser', 'fzstd.js'));
  copyFileSync(join(ROOT, 'node_modules/xz-decompress/dist/package/xz-decompress.js'), join(outDir, 'bench-browser', 'xz-decompress.js'));
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  return { base: `http://127.0.0.1:${port}`, close: async () => (await server.close(), rmSync(outDir, { recursive: true, force: true })) };
}

const codecAlone = (page: Page, opts: object) => page.evaluate(`window.codecAlone(${JSON.stringify(opts)})`) as Promise<{ ms: number; produced: number }>;

/**
 * CPU time (ms, user + system, 10 ms ticks) of every process of the browser whose profile is
 * `dir` (the browser process, found by its --user-data-dir, and all its descendants): what an
 * open costs the machine, which the load moves far less than wall times.
 */
function browserCpuMs(dir: string): number {
  const { pids, cpu } = browserTree(dir);
  return pids.reduce((sum, p) => sum + (cpu.get(p) ?? 0), 0);
}

/** The browser process whose profile is `dir` and its descendants, with each one's CPU time. */
function browserTree(dir: string): { pids: string[]; cpu: Map<string, number> } {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const parent = new Map<string, string>();
  const cpu = new Map<string, number>();
  let root = '';
  for (const pid of procs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(pid, f[1]);
      cpu.set(pid, (Number(f[11]) + Number(f[12])) * 10);
      if (!root && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${dir}`) && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=')) root = pid;
    } catch {
      // A process that ended meanwhile.
    }
  }
  const inTree = (pid: string): boolean => pid === root || (parent.has(pid) && pid !== '1' && pid !== '0' && inTree(parent.get(pid)!));
  return { pids: procs.filter((p) => root && inTree(p)), cpu };
}

/** A thread's CPU time and its time runnable but waiting for a core (ms, from schedstat). */
interface ThreadTimes { name: string; cpu: number; wait: number }

/**
 * Each thread of the browser's processes, by "pid/tid", with its name (Chromium names a worker's
 * thread "DedicatedWorker") and /proc schedstat's times: whether an open's work is split over two
 * threads, and how long each stood in the run queue, which the wall time on a shared machine hides.
 */
function threadTimes(dir: string): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  for (const pid of browserTree(dir).pids) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map((n) => Number(n) / 1e6);
        out.set(`${pid}/${tid}`, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpu, wait });
      }
    } catch {
      // A process or thread that ended meanwhile.
    }
  }
  return out;
}

/** Readings of every thread, taken every 25 ms during an open (epoch ms). */
type Readings = { t: number; threads: Map<string, ThreadTimes> }[];

/**
 * The worker threads' CPU and run-queue wait over [from, to] (epoch ms), most CPU first (the
 * decode worker, a nested one). A thread that ended before `to` (the nested worker's, at the end
 * of its decoding) counts up to its last reading.
 */
function workerThreads(readings: Readings, from: number, to: number): { cpu: number; wait: number }[] {
  const start = [...readings].reverse().find((r) => r.t <= from) ?? readings[0];
  const endAt = readings.findIndex((r) => r.t >= to);
  const upTo = readings.slice(0, endAt < 0 ? readings.length : endAt + 1);
  const last = new Map<string, ThreadTimes>();
  for (const r of upTo) r.threads.forEach((t, k) => last.set(k, t));
  return [...last].filter(([, t]) => t.name.startsWith('DedicatedWorker'))
    .map(([k, t]) => ({ cpu: t.cpu - (start.threads.get(k)?.cpu ?? 0), wait: t.wait - (start.threads.get(k)?.wait ?? 0) }))
    .filter((t) => t.cpu >= 5).sort((a, b) => b.cpu - a.cpu);
}

const fmtThreads = (ts: { cpu: number; wait: number }[]) => ts.map((t) => `${t.cpu.toFixed(0)}/${t.wait.toFixed(0)}`).join('+');

/** openInFreshPage with the browser's CPU time over the open (from the file's pick to the worker's reply). */
async function openMeasured(context: BrowserContext, base: string, path: string) {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Open state file').waitFor({ state: 'attached' });
  await sleep(SETTLE_MS);
  const cpu0 = browserCpuMs(dir);
  // A nested worker's thread ends with its decoding, and its times leave /proc with it: the
  // threads are read every 25 ms (a nested thread's last 25 ms may be missed).
  const readings: Readings = [];
  const read = () => readings.push({ t: Date.now(), threads: threadTimes(dir) });
  read();
  const poll = setInterval(read, 25);
  const o = await openInApp(page, path, 600_000).finally(() => clearInterval(poll));
  read();
  const cpuMs = browserCpuMs(dir) - cpu0;
  // The page's clock as epoch ms: the decoding is the open's post to its last decompression progress.
  const at = (await page.evaluate('(() => { const o = Object.values(window.__bench.opens).at(-1); return [performance.timeOrigin + o.posted, performance.timeOrigin + o.inflated]; })()')) as [number, number];
  const decoding = workerThreads(readings, at[0], at[1]);
  const workers = `${fmtThreads(decoding)} (whole open ${fmtThreads(workerThreads(readings, at[0], Infinity))})`;
  await page.close();
  return { ...o, cpuMs, workers };
}

const port = Number(process.env.BENCH_PORT ?? 5641);
const builds = { base: await serve(BASE, port), new: await serve(ROOT, port + 1) };
const dir = mkdtempSync(join(tmpdir(), 'vmstate-bench-profile-'));
const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: VIEWPORT });
try {
  await context.addInitScript({ path: INSTRUMENT });
  console.log(`${BASE} (base) vs this tree (new), ${KIND} RAM, persistent profile, ${RUNS} rounds, alternating (load ${load()})`);
  for (const codec of codecs) {
    const path = await compressedImage(codec as 'gzip', KIND);
    const offset = streamStart(readFileSync(path).subarray(0, 1 << 20));
    const ms = { base: [] as number[], new: [] as number[], whole: [] as number[], pieces: [] as number[], file: [] as number[] };
    // The whole open (decoding, the spill closed, the scan) of each build, pair by pair.
    const opens = { base: [] as number[], new: [] as number[] };
    const cpu = { base: [] as number[], new: [] as number[] };
    const workers = { base: [] as string[], new: [] as string[] };
    for (let i = 0; i < RUNS; i++) {
      for (const mode of (i % 2 ? ['new', 'base'] : ['base', 'new']) as (keyof typeof builds)[]) {
        const o = await openMeasured(context, builds[mode].base, path);
        ms[mode].push(o.inflateMs!);
        opens[mode].push(o.scanMs);
        cpu[mode].push(o.cpuMs);
        workers[mode].push(o.workers);
      }
      const alone = await context.newPage();
      await alone.goto(`${builds.base.base}/bench-browser/codec.html`);
      await alone.locator('#file').setInputFiles(path);
      ms.whole.push((await codecAlone(alone, { codec, offset, piece: 0 })).ms);
      ms.pieces.push((await codecAlone(alone, { codec, offset, piece: MiB })).ms);
      ms.file.push((await codecAlone(alone, { codec, offset, fromFile: true })).ms);
      await alone.close();
    }
    const baseline = Math.min(median(ms.whole), median(ms.pieces));
    const row = (k: keyof typeof ms) => `${k.padEnd(6)} ${ms[k].map(fmtMs).join(' ')} median ${fmtMs(median(ms[k]))}`;
    console.log(`${codec} (load ${load()}):\n  ${row('base')}\n  ${row('new')}\n  alone: ${row('whole')}; ${row('pieces')}; ${row('file')} (reading the File)`);
    const wins = (a: number[], b: number[]) => a.filter((x, i) => x < b[i]).length;
    console.log(`  new faster than base in ${wins(ms.new, ms.base)} of ${RUNS} pairs (decoding), ${wins(opens.new, opens.base)} of ${RUNS} (whole open: base median ${fmtMs(median(opens.base))}, new ${fmtMs(median(opens.new))})`);
    console.log(`  browser CPU over the whole open (all its processes): base ${cpu.base.join(' ')} median ${median(cpu.base)} ms, new ${cpu.new.join(' ')} median ${median(cpu.new)} ms; new below base in ${wins(cpu.new, cpu.base)} of ${RUNS} pairs`);
    console.log(`  worker threads during the decoding, CPU/run-queue wait (ms, most CPU first; readings every 25 ms): base ${workers.base.join(', ')};\n    new ${workers.new.join(', ')}`);
    console.log(`  ratio (alone, faster median / open decoding median): base ${(baseline / median(ms.base)).toFixed(2)}, new ${(baseline / median(ms.new)).toFixed(2)}; against 1 MiB pieces: base ${(median(ms.pieces) / median(ms.base)).toFixed(2)}, new ${(median(ms.pieces) / median(ms.new)).toFixed(2)}; against reading the File: base ${(median(ms.file) / median(ms.base)).toFixed(2)}, new ${(median(ms.file) / median(ms.new)).toFixed(2)}`);
  }
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  await builds.base.close();
  await builds.new.close();
}
