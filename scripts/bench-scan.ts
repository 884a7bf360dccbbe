// `npm run bench`, browser part "scan" (issue #5, part 1): the worker's full scan of random1g and
// random4g in fresh app pages against plain read loops in a dedicated worker (scripts/bench-browser/
// raw-worker.js) over the same File, in turns; also the time to the section table of each open.
// The raw pages and loops are used by bench-memory-hex.ts too.
import { statSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { DEFAULT_SLICE } from '../src/format/window-reader.ts';
import { Bench, fmtMs, fmtRate, median, MiB, openInApp, warmPageCache, withTimeout, WorkerProbe, type AppOpen, type Target } from './bench-harness.ts';

/** The plain loops of raw-worker.js: key → how it reads. */
export const RAW_LOOPS = {
  '1': { inflight: 1, mode: 'buffer', label: '1 read in flight' },
  '2': { inflight: 2, mode: 'buffer', label: '2 reads in flight' },
  '4': { inflight: 4, mode: 'buffer', label: '4 reads in flight' },
  stream: { inflight: 1, mode: 'stream', label: 'one BYOB stream, 2 reused buffers' },
} as const;
export type RawKey = keyof typeof RAW_LOOPS;

export async function rawRead(page: Page, key: RawKey, size: number): Promise<{ ms: number; total: number }> {
  const { inflight, mode } = RAW_LOOPS[key];
  const read = page.evaluate(`window.rawRead({ inflight: ${inflight}, slice: ${DEFAULT_SLICE}, mode: '${mode}' })`) as Promise<{ ms: number; total: number }>;
  return withTimeout(read, Math.max(60_000, (size / MiB) * 100), `raw loop ${key}`);
}

export async function rawPage(bench: Bench, path: string, worker = false): Promise<{ page: Page; probe?: WorkerProbe }> {
  const page = await bench.page();
  const probe = worker ? await WorkerProbe.before(page, 'raw-read') : undefined;
  await page.goto(`${bench.base}/bench-browser/raw.html`);
  await page.locator('#file').setInputFiles(path);
  await rawRead(page, '2', statSync(path).size); // starts the worker and warms its code
  return { page, probe };
}

export interface ScanFigures {
  size: number;
  app: AppOpen[];
  raw: Partial<Record<RawKey, number[]>>;
}

/** Rounds of app scan + the two baselines the targets use; the figures are medians of these. */
export const SCAN_ROUNDS = 5;
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
export async function scanThroughput(bench: Bench, path: string): Promise<ScanFigures> {
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

/** Prints one input's scan figures and adds its targets (the worker scan against the baselines). */
export function printScan(name: string, f: ScanFigures, targets: Target[]): void {
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
