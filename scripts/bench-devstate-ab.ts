// Two builds of the app, one device-state open figure (bench-devstate.ts) measured in turns, so the
// machine's load hits both alike: A/B for a change to the time to the section table (issue #12).
// Each round opens q35-devstate.bin in a fresh page of each build (the order alternating), then
// again in the same page. A tool for people, not part of `npm run bench`.
//   git archive main | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/node_modules
//   node bin/tsx-run.js scripts/bench-devstate-ab.ts /tmp/base [ROUNDS]   (B: this checkout)
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { Bench, buildAndServe, CHROMIUM_ARGS, fmtMs, median, openInApp, ROOT, type AppOpen } from './bench-harness.ts';

const [baseRoot, roundsArg = '7'] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: bench-devstate-ab.ts OTHER-CHECKOUT [ROUNDS]');
const DEVSTATE = join(ROOT, 'public/fixtures/q35-devstate.bin');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const sides = [
  { name: 'A', root: resolve(baseRoot) },
  { name: 'B', root: ROOT },
];
const served = [];
for (const s of sides) served.push({ ...s, ...(await buildAndServe({ root: s.root })) });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const runs = new Map(served.map((s) => [s.name, { first: [] as AppOpen[], again: [] as AppOpen[] }]));
const loadBefore = load();
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    for (let i = 0; i < served.length; i++) {
      const s = served[(i + round) % served.length];
      const bench = new Bench(browser, s.base);
      const page = await bench.appPage();
      try {
        runs.get(s.name)!.first.push(await openInApp(page, DEVSTATE, 30_000));
        runs.get(s.name)!.again.push(await openInApp(page, DEVSTATE, 30_000));
      } finally {
        await bench.close(page);
      }
      if (bench.errors.length) throw new Error(bench.errors.join('; '));
    }
  }
  const list = (xs: (number | undefined)[]) => xs.map((x) => (x === undefined ? 'none' : fmtMs(x))).join(', ');
  console.log(`\nq35-devstate.bin, ${roundsArg} rounds, fresh pages in turns (load ${loadBefore} before, ${load()} after):`);
  for (const s of served) {
    const r = runs.get(s.name)!;
    const t = r.first.map((o) => o.tableMs);
    console.log(`  ${s.name} ${s.root}`);
    console.log(`    change event to the frame with the first row: ${list(t)}; median ${fmtMs(median(t))}, best ${fmtMs(Math.min(...t))}`);
    console.log(`    open request to the outline event:           ${list(r.first.map((o) => o.outlineMs))}; median ${fmtMs(median(r.first.map((o) => o.outlineMs ?? NaN)))}`);
    console.log(`    worker open round trip (full model):         ${list(r.first.map((o) => o.scanMs))}`);
    console.log(`    second open in the same page, to the row:    ${list(r.again.map((o) => o.tableMs))}; median ${fmtMs(median(r.again.map((o) => o.tableMs)))}`);
  }
} finally {
  await browser.close();
  for (const s of served) {
    await s.server.close();
    rmSync(s.outDir, { recursive: true, force: true });
  }
}
