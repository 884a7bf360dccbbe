// `npm run bench`, browser part "devstate" (issue #5, part 2): time from picking a device-state
// file to the first row of the "Sections" table, in fresh pages and again in the same page.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Bench, fmtMs, median, openInApp, ROOT, SETTLE_MS, TRACE_CATEGORIES, type AppOpen, type Target } from './bench-harness.ts';

const DEVSTATE = join(ROOT, 'public/fixtures/q35-devstate.bin');
/** Device-state opens, each in a fresh page: the figure is their median. */
const DEVSTATE_RUNS = 5;

/** Part 2: the device-state fixture opened in fresh pages (the figure is the median), then again in each. */
export async function devstateOpens(bench: Bench, targets: Target[]): Promise<void> {
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
  // BENCH_PROFILE=DIR: one more fresh-page open recorded as a Chromium trace (page and worker, with
  // V8's sampling profiler), for scripts/bench-trace.ts.
  const dir = process.env.BENCH_PROFILE;
  if (dir) {
    const file = join(dir, 'devstate.trace.json');
    bench.doing = 'tracing q35-devstate.bin';
    const page = await bench.appPage();
    try {
      await bench.browser.startTracing(page, { path: file, screenshots: false, categories: TRACE_CATEGORIES });
      const o = await openInApp(page, DEVSTATE, 30_000);
      await bench.browser.stopTracing();
      console.log(`  trace of one more open (${fmtMs(o.tableMs)} to the row): ${file}`);
    } finally {
      await bench.close(page);
    }
  }
}
