// `npm run bench`, browser part "open4g" (issue #11 "Raw image of a 4 GiB guest: device sections on
// screen in under 0.3 s, as for a bare stream", and issue #5's "time to section table, random4g"):
// the file input's change event to the frame that paints the first row of the section table, for
//   - random-4g.mig, the bare migration stream of a 4 GiB pc guest (bench-inputs.ts), and
//   - libvirt-4g.raw.sav, a raw `virsh save` image of a 4 GiB guest made by real libvirt
//     (scripts/libvirt/make-bench-4g.sh; bench-inputs.ts libvirt4gInput),
// in fresh app pages, the two inputs in turns so drift hits both alike; median and best of RUNS.
// Each open is broken down on the page's clock: change → open posted → the worker's container
// event (images) → devices-first event → first row painted.
// BENCH_PROFILE=DIR also records one Chromium trace per input (page and worker, with V8's
// sampling profiler) into DIR, for chrome://tracing or Perfetto.
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Bench, fmtMs, median, MiB, openInApp, probe, TRACE_CATEGORIES, warmPageCache, type AppOpen, type Target } from './bench-harness.ts';

const RUNS = Number(process.env.BENCH_OPEN4G_RUNS ?? 5);
const TARGET_MS = 300;

interface Open4g extends AppOpen {
  /** Open posted to the container event (a libvirt image's records), when one came. */
  containerMs?: number;
  /** Devices-first event to the frame with the first row. */
  renderMs?: number;
}

async function openOnce(bench: Bench, path: string, trace?: string): Promise<Open4g> {
  const size = statSync(path).size;
  const page = await bench.appPage();
  try {
    if (trace) await bench.browser.startTracing(page, { path: trace, screenshots: false, categories: TRACE_CATEGORIES });
    const o = await openInApp(page, path, Math.max(120_000, (size / MiB) * 100));
    if (trace) await bench.browser.stopTracing();
    return { ...o, ...(await steps(page)) };
  } finally {
    await bench.close(page);
  }
}

async function steps(page: Page): Promise<{ containerMs?: number; renderMs?: number }> {
  const p = await probe(page);
  const o = Object.values(p.opens).at(-1)!;
  return { containerMs: o.container === undefined ? undefined : o.container - o.posted, renderMs: o.devices === undefined ? undefined : p.firstRowFrame! - o.devices };
}

const list = (xs: (number | undefined)[]) => xs.map((x) => (x === undefined ? 'none' : fmtMs(x))).join(', ');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

export async function open4gBench(bench: Bench, inputs: { random4g: string; libvirt4g: string }, targets: Target[]): Promise<void> {
  const named = [['random4g (bare stream)', inputs.random4g], ['libvirt-4g.raw.sav (raw virsh save image)', inputs.libvirt4g]] as const;
  for (const [, path] of named) warmPageCache(path);
  const runs = new Map<string, Open4g[]>(named.map(([n]) => [n, []]));
  const loadBefore = load();
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < named.length; i++) {
      const [name, path] = named[(i + round) % named.length];
      bench.doing = `open4g round ${round + 1}: ${name}`;
      runs.get(name)!.push(await openOnce(bench, path));
    }
  }
  const loadAfter = load();
  console.log(`\nopen of a 4 GiB guest's state, ${RUNS} fresh pages per input in turns (load average ${loadBefore} before, ${loadAfter} after):`);
  for (const [name, path] of named) {
    const r = runs.get(name)!;
    const table = r.map((o) => o.tableMs);
    console.log(`  ${name}: ${(statSync(path).size / MiB).toFixed(0)} MiB, ${r[0].records} records, ${r[0].problems} problems`);
    console.log(`    change event to the frame with the first row: ${list(table)}; median ${fmtMs(median(table))}, best ${fmtMs(Math.min(...table))}`);
    console.log(`    of which change to open posted:               ${list(r.map((o) => o.postMs))}`);
    if (r.some((o) => o.containerMs !== undefined)) console.log(`    open posted to the container event:           ${list(r.map((o) => o.containerMs))}`);
    console.log(`    open posted to the devices-first event:       ${list(r.map((o) => o.devicesMs))}`);
    console.log(`    devices-first event to the first row painted: ${list(r.map((o) => o.renderMs))}`);
    console.log(`    worker open round trip (whole scan):          ${list(r.map((o) => o.scanMs))}`);
    const med = median(table);
    targets.push({ what: `time to section table, ${name.split(' ')[0]} (median of ${RUNS}, load ${loadAfter.split(' ')[0]})`, value: fmtMs(med), target: `< ${TARGET_MS} ms`, met: med < TARGET_MS });
  }
  const dir = process.env.BENCH_PROFILE;
  if (dir) {
    for (const [name, path] of named) {
      const file = join(dir, `open4g-${name.split(' ')[0]}.trace.json`);
      bench.doing = `tracing ${name}`;
      const o = await openOnce(bench, path, file);
      console.log(`  trace of one more open of ${name} (${fmtMs(o.tableMs)} to the row): ${file}`);
    }
  }
}
