// `npm run bench`, second half: the browser figures of issue #5, measured in one run in Debian's
// headless Chromium against the production build. A benchmark, not a test: a missed target is
// printed, never an exit status; errors (ours or the page's) fail the run after the summary.
//   1. the worker's full scan vs plain read loops in a dedicated worker over the same File: Blob
//      slices with 2 reads in flight (the app decodes one slice while the next is read) and one
//      BYOB stream into 2 reused buffers (the app's own way of reading, without decoding); Blob
//      slices with 1 and 4 in flight for information;
//   2. time from picking the file to the first row of the "Sections" table;
//   3. peak memory growth of the scan worker during the 4 GiB scan (CDP, sampled every 100 ms);
//   4. the longest main-thread task while the hex view scrolls the 4 GiB stream end to end, four
//      ways, twice: a phase meets the target if one of its passes has no task over 50 ms.
// The app is built into a temporary directory (not dist/, which the e2e run rebuilds and serves)
// and served with `vite preview`, together with the small pages in scripts/bench-browser/; the
// harness (pages, probes, the worker over CDP, memory sampling) is scripts/bench-harness.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { DEFAULT_SLICE } from '../src/format/window-reader.ts';
import { benchInputs, qcow2Input } from './bench-inputs.ts';
import { compareBench } from './bench-compare.ts';
import { libraryFigures } from './bench-library.ts';
import { printQcow2, qcow2Bench } from './bench-qcow2.ts';
import { compressedImage } from './bench-compressed.ts';
import {
  Bench, buildAndServe, CHROMIUM_ARGS, fmtMiB, fmtMs, fmtRate, median, message, MiB, probe, ROOT, sampleMemory, SETTLE_MS, sleep, until, VIEWPORT, warmPageCache, withTimeout, WorkerProbe,
  type MemoryPeak,
} from './bench-harness.ts';

const DEVSTATE = join(ROOT, 'public/fixtures/q35-devstate.bin');
/** Device-state opens, each in a fresh page: the figure is their median. */
const DEVSTATE_RUNS = 5;

// ---------------------------------------------------------------------------------------------
// 1 and 2: opening files

interface AppOpen {
  /** Worker round trip of the 'open' request: post to reply, on the page's clock. */
  scanMs: number;
  /** Input change event to the frame that paints the first row of the section table. */
  tableMs: number;
  /** The same seen from here: before setInputFiles to the row found visible. */
  tableWallMs: number;
  /** From the first progress event (the forward scan under way) to the reply. */
  forwardMs: number;
  /** Page clock: change event to posting the open; open to the outline event (when one came). */
  postMs: number;
  outlineMs?: number;
  /** Open request to the devices-first event, when one came. */
  devicesMs?: number;
  records: number;
  problems: number;
}

async function openInApp(page: Page, path: string, timeoutMs: number): Promise<AppOpen> {
  const before = Object.keys((await probe(page)).opens).length;
  const t0 = performance.now();
  await page.getByLabel('Open state file').setInputFiles(path);
  await page.getByRole('table', { name: 'Sections' }).locator('tbody tr:not(.spacer)').first().waitFor({ state: 'visible', timeout: timeoutMs });
  const tableWallMs = performance.now() - t0;
  await until(page, `(() => { const o = Object.values(window.__bench.opens); return o.length > ${before} && o[o.length - 1].reply !== undefined && window.__bench.firstRowFrame !== null; })()`, timeoutMs, `the worker's reply to opening ${path}`);
  const p = await probe(page);
  const opens = Object.values(p.opens);
  const o = opens[opens.length - 1];
  if (!o.ok) throw new Error(`opening ${path} failed in the app: ${o.error}`);
  if (p.change === null || p.firstRowFrame === null) throw new Error('the change/first-row probe did not fire');
  return { scanMs: o.reply! - o.posted, tableMs: p.firstRowFrame - p.change, tableWallMs, forwardMs: o.reply! - (o.firstProgress ?? o.posted), postMs: o.posted - p.change, outlineMs: o.outline === undefined ? undefined : o.outline - o.posted, devicesMs: o.devices === undefined ? undefined : o.devices - o.posted, records: o.records!, problems: o.problems! };
}

/** The plain loops of raw-worker.js: key → how it reads. */
const RAW_LOOPS = {
  '1': { inflight: 1, mode: 'buffer', label: '1 read in flight' },
  '2': { inflight: 2, mode: 'buffer', label: '2 reads in flight' },
  '4': { inflight: 4, mode: 'buffer', label: '4 reads in flight' },
  stream: { inflight: 1, mode: 'stream', label: 'one BYOB stream, 2 reused buffers' },
} as const;
type RawKey = keyof typeof RAW_LOOPS;

async function rawRead(page: Page, key: RawKey, size: number): Promise<{ ms: number; total: number }> {
  const { inflight, mode } = RAW_LOOPS[key];
  const read = page.evaluate(`window.rawRead({ inflight: ${inflight}, slice: ${DEFAULT_SLICE}, mode: '${mode}' })`) as Promise<{ ms: number; total: number }>;
  return withTimeout(read, Math.max(60_000, (size / MiB) * 100), `raw loop ${key}`);
}

async function rawPage(bench: Bench, path: string, worker = false): Promise<{ page: Page; probe?: WorkerProbe }> {
  const page = await bench.page();
  const probe = worker ? await WorkerProbe.before(page, 'raw-read') : undefined;
  await page.goto(`${bench.base}/bench-browser/raw.html`);
  await page.locator('#file').setInputFiles(path);
  await rawRead(page, '2', statSync(path).size); // starts the worker and warms its code
  return { page, probe };
}

interface ScanFigures {
  size: number;
  app: AppOpen[];
  raw: Partial<Record<RawKey, number[]>>;
}

/** Rounds of app scan + the two baselines the targets use; the figures are medians of these. */
const SCAN_ROUNDS = 5;
/**
 * The scan target's baseline (issue #5): Blob slices with as many reads in flight as the app keeps
 * (it decodes one slice while the next is read). Beside it, for information, one BYOB stream: the
 * app's own way of reading without any decoding or page around it, the fastest loop known here.
 */
const BASELINES = ['2', 'stream'] as const;
const TARGET_BASELINE: RawKey = '2';

/**
 * Rounds of one app scan and one run of each baseline, in turns, so drift on a shared machine
 * hits all of them alike; the other loops run once, for information. Medians of equally many runs
 * are compared: a minimum over many runs of several loops against a minimum over a few app scans
 * mostly measures which side had more tries at a quiet moment.
 */
async function scanThroughput(bench: Bench, path: string): Promise<ScanFigures> {
  const size = statSync(path).size;
  const timeout = Math.max(120_000, (size / MiB) * 100);
  warmPageCache(path);
  const raw: ScanFigures['raw'] = {};
  bench.doing = `raw page with ${path}`;
  const { page } = await rawPage(bench, path);
  const runRaw = async (key: RawKey) => {
    bench.doing = `raw loop ${key} over ${path}`;
    const r = await rawRead(page, key, size);
    if (r.total !== size) throw new Error(`raw loop read ${r.total} of ${size} bytes`);
    (raw[key] ??= []).push(r.ms);
  };
  const app: AppOpen[] = [];
  const runApp = async () => {
    bench.doing = `opening ${path} in the app`;
    const appPage = await bench.appPage();
    try {
      app.push(await openInApp(appPage, path, timeout));
    } finally {
      await bench.close(appPage);
    }
  };
  for (let round = 0; round < SCAN_ROUNDS; round++) {
    // The order turns each round: no reader always runs right after the app's page load.
    const turns = [runApp, () => runRaw(BASELINES[0]), () => runRaw(BASELINES[1])];
    for (let i = 0; i < turns.length; i++) await turns[(i + round) % turns.length]();
  }
  await runRaw('1');
  await runRaw('4');
  await bench.close(page);
  return { size, app, raw };
}

// ---------------------------------------------------------------------------------------------
// 4: the hex view

interface PhaseFigures { name: string; longest: number; longTasks: number; maxFrameGap: number; error?: string }

/** The four scrolls run this many times over; every pass is printed. */
const HEX_PASSES = 2;

/** Scrolls the open stream's hex view from its first to its last byte, four ways. */
async function hexScroll(bench: Bench, page: Page, size: number): Promise<PhaseFigures[]> {
  const hex = page.getByRole('region', { name: 'Hex' });
  const viewport = page.locator('#hex-viewport');
  await viewport.waitFor({ state: 'visible' });
  const p0 = await probe(page);
  if (p0.longTaskError) throw new Error(`no Long Tasks API: ${p0.longTaskError}`);
  const lastRow = Math.floor((size - 1) / 16) * 16;
  const firstShown = async () => parseInt((await hex.locator('.hex-row .hex-off').first().textContent({ timeout: 5000 })) ?? '', 16);
  const lastShown = async () => parseInt((await hex.locator('.hex-row .hex-off').last().textContent({ timeout: 5000 })) ?? '', 16);
  const expectEnd = async (after: string) => {
    const at = await lastShown();
    if (at !== lastRow) throw new Error(`after ${after} the hex view ends at row 0x${at.toString(16)}, not the last row 0x${lastRow.toString(16)}`);
  };
  const toStart = async () => {
    await viewport.focus();
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 40 && (await firstShown()) !== 0; i++) await sleep(25);
  };

  const phases: PhaseFigures[] = [];
  const phase = async (name: string, run: () => Promise<void>) => {
    bench.doing = `hex view: ${name}`;
    let error: string | undefined;
    try {
      await toStart();
      await page.evaluate('window.__bench.resetLongTasks()');
      await run();
      await sleep(300); // the last byte pages arrive and render
    } catch (e) {
      error = message(e);
    }
    const p = await probe(page);
    phases.push({ name, longest: Math.max(0, ...p.longTasks.map((t) => t.duration)), longTasks: p.longTasks.length, maxFrameGap: p.maxFrameGap, error });
  };

  await phase('mouse wheel, 400 x 1,000 px', async () => {
    const box = (await viewport.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 400; i++) await page.mouse.wheel(0, 1000);
  });
  await phase('scrollbar thumb dragged to the end, 500 moves', async () => {
    const track = (await page.locator('.vscroll').boundingBox())!;
    const thumb = (await page.locator('.vscroll-thumb').boundingBox())!;
    const x = thumb.x + thumb.width / 2;
    await page.mouse.move(x, thumb.y + 2);
    await page.mouse.down();
    for (let i = 1; i <= 500; i++) await page.mouse.move(x, thumb.y + 2 + ((track.height + 20) * i) / 500);
    await page.mouse.up();
    await expectEnd('the thumb drag');
  });
  await phase('keyboard: 300 x PageDown, Ctrl+End', async () => {
    for (let i = 0; i < 300; i++) await page.keyboard.press('PageDown');
    await page.keyboard.press('Control+End');
    await sleep(100);
    await expectEnd('Ctrl+End');
  });
  const jumps = 64;
  await phase(`Ctrl+G to ${jumps + 1} offsets, start to end`, async () => {
    for (let i = 0; i <= jumps; i++) {
      const offset = Math.round(((size - 1) * i) / jumps);
      await page.keyboard.press('Control+g');
      await page.getByLabel('Go to offset or field').fill(`0x${offset.toString(16)}`, { timeout: 5000 });
      await page.keyboard.press('Enter');
    }
    await sleep(100);
    await expectEnd('the last jump');
  });
  return phases;
}

// ---------------------------------------------------------------------------------------------

/** A figure with its target; `met` undefined: printed for information, no target. */
interface Target { what: string; value: string; target: string; met?: boolean }

/** Part 2: the device-state fixture opened in fresh pages (the figure is the median), then again in each. */
async function devstateOpens(bench: Bench, targets: Target[]): Promise<void> {
  bench.doing = 'opening q35-devstate.bin';
  const first: AppOpen[] = [];
  const again: AppOpen[] = [];
  for (let i = 0; i < DEVSTATE_RUNS; i++) {
    const page = await bench.appPage();
    try {
      first.push(await openInApp(page, DEVSTATE, 30_000));
      again.push(await openInApp(page, DEVSTATE, 30_000));
    } finally {
      await bench.close(page);
    }
  }
  const devMed = median(first.map((d) => d.tableMs));
  console.log(`\nq35-devstate.bin (${statSync(DEVSTATE).size} bytes, ${first[0].records} records), opened in ${DEVSTATE_RUNS} fresh pages ${SETTLE_MS} ms after load, then once more in each:`);
  console.log(`  change event to the frame with the first row: ${first.map((d) => fmtMs(d.tableMs)).join(', ')}; median ${fmtMs(devMed)}`);
  console.log(`  setInputFiles to the row seen visible:        ${first.map((d) => fmtMs(d.tableWallMs)).join(', ')}`);
  console.log(`  change event to the open request posted:     ${first.map((d) => fmtMs(d.postMs)).join(', ')}`);
  console.log(`  open request to the outline event:           ${first.map((d) => (d.outlineMs === undefined ? 'none' : fmtMs(d.outlineMs))).join(', ')}`);
  console.log(`  worker open round trip (full model):         ${first.map((d) => fmtMs(d.scanMs)).join(', ')}`);
  console.log(`  second open in the same page, to the row:     ${again.map((d) => fmtMs(d.tableMs)).join(', ')} (worker ${again.map((d) => fmtMs(d.scanMs)).join(', ')})`);
  targets.push({ what: 'time to section table, q35-devstate.bin (median)', value: fmtMs(devMed), target: '< 200 ms', met: devMed < 200 });
}

/** Parts 3 and 4 share one page: the 4 GiB stream opened (memory sampled), then its hex view scrolled. */
async function memoryAndHex(bench: Bench, path: string, targets: Target[]): Promise<void> {
  const size = statSync(path).size;
  const timeout = Math.max(120_000, (size / MiB) * 100);
  warmPageCache(path);
  const rawMem: [RawKey, MemoryPeak][] = [];
  if (only.has('memory')) {
    bench.doing = 'reading random4g in raw loops, sampled';
    const { page, probe: raw } = await rawPage(bench, path, true);
    for (const key of ['2', 'stream'] as const) rawMem.push([key, (await sampleMemory(bench, raw!, () => rawRead(page, key, size))).peak]);
    await bench.close(page);
  }
  bench.doing = 'scanning random4g';
  let worker!: WorkerProbe;
  const page = await bench.appPage(async (p) => void (worker = await WorkerProbe.before(p, 'vmstate-scan')));
  try {
    await worker.ready();
    if (only.has('memory')) {
      const { value: open, peak: mem } = await sampleMemory(bench, worker, () => openInApp(page, path, timeout));
      console.log(`\nrandom4g, peak memory growth sampled every 100 ms over CDP (${mem.samples} samples; scan ${fmtMs(open.scanMs)} while sampled):`);
      const line = (what: string, m: MemoryPeak) =>
        console.log(`  ${what.padEnd(52)} JS heap used ${fmtMiB(m.heapUsed).padStart(9)}, total ${fmtMiB(m.heapTotal).padStart(9)}; used + ArrayBuffers ${fmtMiB(m.heapPlusBuffers).padStart(9)}; renderer RSS ${fmtMiB(m.rendererRss).padStart(9)}`);
      line('app scan worker', mem);
      for (const [key, m] of rawMem) line(`raw loop, ${RAW_LOOPS[key].label}`, m);
      console.log(`  (browser process RSS growth during the app scan: ${fmtMiB(mem.browserRss)})`);
      targets.push({ what: 'peak worker JS heap growth (total), random4g scan', value: fmtMiB(mem.heapTotal), target: '< 100 MiB', met: mem.heapTotal < 100 * MiB });
      targets.push({ what: 'peak worker heap + ArrayBuffers growth, random4g scan', value: fmtMiB(mem.heapPlusBuffers), target: '< 100 MiB', met: mem.heapPlusBuffers < 100 * MiB });
    } else {
      await openInApp(page, path, timeout);
    }
    if (!only.has('hex')) return;

    // 4. The hex view of the same open stream.
    console.log('\nhex view of random4g from its first to its last byte (Long Tasks API: tasks over 50 ms; frame gap: longest between animation frames):');
    const passes: PhaseFigures[][] = [];
    for (let pass = 1; pass <= HEX_PASSES; pass++) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      console.log(`  pass ${pass} of ${HEX_PASSES} (load average ${load}):`);
      const phases = await hexScroll(bench, page, size);
      for (const p of phases) {
        const tasks = p.longTasks ? `longest task ${fmtMs(p.longest)} (${p.longTasks} over 50 ms)` : 'no task over 50 ms';
        console.log(`    ${p.name.padEnd(46)} ${tasks}, max frame gap ${fmtMs(p.maxFrameGap)}${p.error ? `; ERROR ${p.error}` : ''}`);
        if (p.error) bench.errors.push(`hex view, ${p.name}: ${p.error}`);
      }
      passes.push(phases);
    }
    // Each phase's better pass: a task over 50 ms in every pass is the app's; in one pass only, it
    // matches the stalls of this shared machine (frame gaps of 100-350 ms, seen at load 3 and more).
    const better = passes[0].map((_, i) => passes.map((ph) => ph[i]).reduce((a, b) => (b.longTasks < a.longTasks || (b.longTasks === a.longTasks && b.longest < a.longest) ? b : a)));
    const count = better.reduce((s, p) => s + p.longTasks, 0);
    const longest = Math.max(0, ...better.map((p) => p.longest));
    targets.push({ what: `longest main-thread task, hex view over random4g (better of ${HEX_PASSES} passes per phase)`, value: count ? fmtMs(longest) : 'none > 50 ms', target: 'none > 50 ms', met: count === 0 });
  } finally {
    await bench.close(page);
  }
}

/**
 * Compressed libvirt images (issue #11): each opened in a fresh app page while the scan worker's
 * memory is sampled; the open decompresses the whole stream into the OPFS spill, then scans it.
 * The decoding/decompressor-alone ratios are measured by scripts/bench-compressed.ts (same code).
 */
async function compressedOpens(bench: Bench, targets: Target[]): Promise<void> {
  for (const codec of ['gzip', 'xz', 'zstd'] as const) {
    const path = await compressedImage(codec);
    bench.doing = `opening the ${codec} image`;
    let worker!: WorkerProbe;
    const page = await bench.appPage(async (p) => void (worker = await WorkerProbe.before(p, 'vmstate-scan')));
    try {
      await worker.ready();
      const { value: open, peak: mem } = await sampleMemory(bench, worker, () => openInApp(page, path, 600_000));
      const stream = Number(/in the decompressed stream \((\d+) bytes\)/.exec((await page.getByRole('region', { name: 'libvirt save image' }).textContent()) ?? '')?.[1] ?? 0);
      console.log(`\n${codec} image ${path.split('/').pop()} (${fmtMiB(statSync(path).size)}, stream ${fmtMiB(stream)}): open (decompress into the OPFS spill, then scan) ${fmtMs(open.scanMs)}, ${fmtRate(stream, open.scanMs)} of stream`);
      console.log(`  worker peak growth: JS heap total ${fmtMiB(mem.heapTotal)}, heap used + ArrayBuffers ${fmtMiB(mem.heapPlusBuffers)} (${mem.samples} samples); renderer RSS ${fmtMiB(mem.rendererRss)}`);
      targets.push({ what: `peak worker heap + ArrayBuffers growth, ${codec} image open`, value: fmtMiB(mem.heapPlusBuffers), target: '< 100 MiB', met: mem.heapPlusBuffers < 100 * MiB });
    } finally {
      await bench.close(page);
    }
  }
}

let running: Bench | undefined;

/** BENCH_ONLY=scan,devstate,memory,hex,library,compare,qcow2,compressed (any of them) runs only those parts, for quick iterations. */
const PARTS = ['scan', 'devstate', 'memory', 'hex', 'library', 'compare', 'qcow2', 'compressed'] as const;
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((p) => p.trim()));
for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`BENCH_ONLY: unknown part "${p}" (parts: ${PARTS.join(', ')})`);

async function main(): Promise<number> {
  const inputs = await benchInputs();
  console.log('\n== browser: headless Chromium, production build (scripts/bench-browser.ts) ==');
  const { base, server, outDir } = await buildAndServe();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const bench = new Bench(browser, base);
  running = bench;
  const targets: Target[] = [];
  try {
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const nproc = spawnSync('nproc').stdout.toString().trim();
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`machine: ${nproc} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, load average ${load}; node ${process.version}; Chromium ${browser.version()}; viewport ${VIEWPORT.width}x${VIEWPORT.height}`);
    console.log(`app built into ${outDir}, served at ${base}; ${DEFAULT_SLICE / MiB} MiB slices for every reader`);

    // 1. Throughput.
    const scans = new Map<string, ScanFigures>();
    for (const [name, path] of only.has('scan') ? ([['random1g', inputs.random1g], ['random4g', inputs.random4g]] as const) : []) {
      bench.doing = `scanning ${name}`;
      const f = await scanThroughput(bench, path);
      scans.set(name, f);
      const app = median(f.app.map((a) => a.scanMs));
      console.log(`\n${name}: ${(f.size / MiB).toFixed(0)} MiB, ${f.app[0].records} records, ${f.app[0].problems} problems; median of ${SCAN_ROUNDS} app scans and of ${SCAN_ROUNDS} runs of each baseline (other loops: one run)`);
      for (const [key, { label }] of Object.entries(RAW_LOOPS) as [RawKey, (typeof RAW_LOOPS)[RawKey]][]) {
        const ms = median(f.raw[key]!);
        const runs = f.raw[key]!.length > 1 ? `   runs ${f.raw[key]!.map(fmtMs).join(', ')}` : '';
        console.log(`  raw Blob loop, ${label.padEnd(41)} ${fmtMs(ms).padStart(8)} ${fmtRate(f.size, ms).padStart(10)}   worker scan / this ${(ms / app).toFixed(2)}${runs}`);
      }
      console.log(`  ${'worker scan in the app (open request to reply)'.padEnd(56)} ${fmtMs(app).padStart(8)} ${fmtRate(f.size, app).padStart(10)}   runs ${f.app.map((a) => fmtMs(a.scanMs)).join(', ')}`);
      console.log(`  of which the forward scan (first progress event to reply): ${f.app.map((a) => fmtMs(a.forwardMs)).join(', ')}`);
      console.log(`  before it, open request to the devices-first event: ${f.app.map((a) => (a.devicesMs === undefined ? 'none' : fmtMs(a.devicesMs))).join(', ')}`);
      console.log(`  time to the section table: ${f.app.map((a) => `${fmtMs(a.tableMs)} (${fmtMs(a.tableWallMs)} from setInputFiles)`).join(', ')}`);
      for (const key of BASELINES) {
        const ratio = median(f.raw[key]!) / app;
        const judged = key === TARGET_BASELINE;
        targets.push({ what: `worker scan / raw loop (${RAW_LOOPS[key].label}), ${name}`, value: ratio.toFixed(2), target: judged ? '>= 0.90' : '(information)', met: judged ? ratio >= 0.9 : undefined });
      }
    }

    // 2. Time to the section table for a device-state file.
    if (only.has('devstate')) await devstateOpens(bench, targets);
    if (only.has('library')) await libraryFigures(bench, targets);
    const big = scans.get('random4g');
    if (big) {
      const bigTable = median(big.app.map((a) => a.tableMs));
      targets.push({ what: 'time to section table, random4g', value: fmtMs(bigTable), target: '< 300 ms', met: bigTable < 300 });
    }

    // 3. Memory: the app's worker during the 4 GiB scan, and the raw loops for comparison.
    if (only.has('memory') || only.has('hex')) await memoryAndHex(bench, inputs.random4g, targets);

    // 5. The comparison of two files (issue #13, scripts/bench-compare.ts).
    if (only.has('compare')) await compareBench(bench, targets);

    // 6. qcow2 snapshots (issue 14): the snapshot list, and the device sections after choosing one.
    if (only.has('qcow2')) {
      const image = await qcow2Input();
      bench.doing = 'the qcow2 image';
      printQcow2(image, await qcow2Bench(bench, image), targets);
    }

    // 7. Compressed libvirt images: worker memory while one decompresses.
    if (only.has('compressed')) await compressedOpens(bench, targets);

    // 8. Summary.
    console.log(`\nsummary (browser; load average now ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    const w = Math.max(...targets.map((t) => t.what.length));
    for (const t of targets) console.log(`  ${t.what.padEnd(w)}  ${t.value.padStart(12)}  target ${t.target.padEnd(13)} ${t.met === undefined ? '' : t.met ? 'met' : 'MISSED'}`);
    if (bench.errors.length) {
      console.error(`\n${bench.errors.length} error(s) during the browser run:\n  ${[...new Set(bench.errors)].join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await browser.close();
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench-browser failed${running ? ` while ${running.doing}` : ''}:`, e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
}
