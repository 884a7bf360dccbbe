// Time to the section table of the 4 GiB bare stream (issue #11), two builds of the app compared
// in one run: the app at REF (default main, checked out into a temporary worktree) and this
// checkout, each built and served, random-4g.mig opened in fresh pages of one browser with the
// builds alternating, so the machine's load hits both alike. Per open, on the page's clock
// (instrument.js marks): change → devices-first event → frame with the first row; and from a
// light Chromium trace of each open, the CPU time the page's main thread got between the devices
// event and that frame, which the load moves far less than wall time. The page is closed once
// the row is painted (the rest of the scan is not waited for).
//   node bin/tsx-run.js scripts/bench-open4g-ab.ts [REF] [PAIRS]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { benchInputs } from './bench-inputs.ts';
import { CHROMIUM_ARGS, fmtMs, INSTRUMENT, median, probe, ROOT, SETTLE_MS, sleep, VIEWPORT, warmPageCache, withTimeout } from './bench-harness.ts';

const [ref = 'main', pairsArg = '8'] = process.argv.slice(2);
const PAIRS = Number(pairsArg);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function serve(root: string) {
  const outDir = mkdtempSync(join(tmpdir(), 'vmstate-bench-ab-'));
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const port = (server.httpServer.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, close: async () => (await server.close(), rmSync(outDir, { recursive: true, force: true })) };
}

interface Trace { traceEvents: { name: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number; cat: string; args?: { name?: string } }[] }

/** CPU time of the renderer's main thread's tasks within [from, to] (trace microseconds), prorated for tasks cut by the window. */
function mainCpuMs(trace: Trace, from: number, to: number): number {
  const ev = trace.traceEvents;
  const main = ev.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return NaN;
  let us = 0;
  for (const e of ev) {
    if (e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !e.dur) continue;
    const overlap = Math.min(to, e.ts + e.dur) - Math.max(from, e.ts);
    if (overlap > 0) us += (e.tdur ?? 0) * (overlap / e.dur);
  }
  return us / 1000;
}

const markTs = (trace: Trace, name: string) => trace.traceEvents.find((e) => e.name === name && e.cat.includes('blink.user_timing'))?.ts;

const worktree = mkdtempSync(join(tmpdir(), 'vmstate-ab-ref-'));
rmSync(worktree, { recursive: true });
execFileSync('git', ['worktree', 'add', '--detach', worktree, ref], { cwd: ROOT, stdio: 'ignore' });
symlinkSync(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
const { random4g } = await benchInputs();
warmPageCache(random4g);
const builds = { [ref]: await serve(worktree), this: await serve(ROOT) };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const traceFile = join(tmpdir(), `vmstate-ab-${process.pid}.json`);
try {
  const got: Record<string, { table: number[]; devices: number[]; render: number[]; cpu: number[] }> = {};
  for (const k of Object.keys(builds)) got[k] = { table: [], devices: [], render: [], cpu: [] };
  console.log(`random-4g.mig, ${ref} vs this checkout, ${PAIRS} pairs alternating (load ${load()})`);
  for (let i = 0; i < PAIRS; i++) {
    for (const k of i % 2 ? Object.keys(builds).reverse() : Object.keys(builds)) {
      const context = await browser.newContext({ viewport: VIEWPORT });
      await context.addInitScript({ path: INSTRUMENT });
      const page = await context.newPage();
      await page.goto(`${builds[k].base}/`);
      await page.getByLabel('Open state file').waitFor({ state: 'attached' });
      await sleep(SETTLE_MS);
      await browser.startTracing(page, { path: traceFile, screenshots: false, categories: ['toplevel', 'blink.user_timing'] });
      await page.getByLabel('Open state file').setInputFiles(random4g);
      await withTimeout(page.evaluate('window.__bench.whenRowPainted()'), 120_000, 'the first row');
      const p = await probe(page);
      await browser.stopTracing();
      await context.close();
      const o = Object.values(p.opens).at(-1)!;
      const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as Trace;
      const from = markTs(trace, 'bench-devices');
      const to = markTs(trace, 'bench-first-row-frame');
      got[k].table.push(p.firstRowFrame! - p.change!);
      got[k].devices.push(o.devices! - o.posted);
      got[k].render.push(p.firstRowFrame! - o.devices!);
      got[k].cpu.push(from !== undefined && to !== undefined ? mainCpuMs(trace, from, to) : NaN);
    }
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  for (const [k, g] of Object.entries(got)) {
    console.log(`${k} (load ${load()}):`);
    console.log(`  change to the painted row       median ${fmtMs(median(g.table))} best ${fmtMs(Math.min(...g.table))}  [${list(g.table)}]`);
    console.log(`  open posted to devices event    median ${fmtMs(median(g.devices))}  [${list(g.devices)}]`);
    console.log(`  devices event to painted row    median ${fmtMs(median(g.render))}  [${list(g.render)}]`);
    console.log(`  main-thread CPU in that window  median ${fmtMs(median(g.cpu))}  [${list(g.cpu)}]`);
  }
} finally {
  await browser.close();
  for (const b of Object.values(builds)) await b.close();
  if (existsSync(traceFile)) rmSync(traceFile);
  execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: ROOT, stdio: 'ignore' });
}
