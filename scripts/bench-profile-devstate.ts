// Where the device-state open's time goes (issue #12, "time to section table"): CPU profiles of
// the page and of the scan worker while q35-devstate.bin opens in a fresh page, written as
// .cpuprofile files (open them in Chromium's DevTools, Performance panel) with a short summary of
// the hottest functions by self time. A tool for finding what to change, not a figure:
//   node bin/tsx-run.js scripts/bench-profile-devstate.ts [OUTDIR]   (default /tmp/devstate-profile)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type CDPSession } from '@playwright/test';
import { hottest, type Profile } from './lib/cpu-profile.ts';
import { Bench, buildAndServe, CHROMIUM_ARGS, fmtMs, openInApp, ROOT, WorkerProbe } from './bench-harness.ts';

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/devstate-profile';
  mkdirSync(out, { recursive: true });
  const { base, server, outDir } = await buildAndServe({ minify: false });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const bench = new Bench(browser, base);
    let worker!: WorkerProbe;
    const page = await bench.appPage(async (p) => void (worker = await WorkerProbe.before(p, 'vmstate-scan')));
    await worker.ready();
    const cdp: CDPSession = await page.context().newCDPSession(page);
    for (const [name, call] of [['page', (m: string, q?: object) => cdp.send(m as 'Profiler.enable', q)], ['worker', (m: string, q?: object) => worker.call(m, q)]] as const) {
      await call('Profiler.enable');
      await call('Profiler.setSamplingInterval', { interval: 200 });
      void name;
    }
    await cdp.send('Profiler.start');
    await worker.call('Profiler.start');
    const open = await openInApp(page, join(ROOT, 'public/fixtures/q35-devstate.bin'), 30_000);
    const pageProfile = (await cdp.send('Profiler.stop')).profile as unknown as Profile;
    const workerProfile = (await worker.call<{ profile: Profile }>('Profiler.stop')).profile;
    console.log(`table ${fmtMs(open.tableMs)}, post ${fmtMs(open.postMs)}, outline ${open.outlineMs === undefined ? 'none' : fmtMs(open.outlineMs)}, worker reply ${fmtMs(open.scanMs)} (profilers on: slower than the bench)`);
    for (const [name, prof] of [['page', pageProfile], ['worker', workerProfile]] as const) {
      writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(prof));
      console.log(`\n${name}: ${((prof.endTime - prof.startTime) / 1000).toFixed(0)} ms profiled, hottest by self time:\n  ${hottest(prof, 25).join('\n  ')}`);
    }
    console.log(`\nprofiles in ${out}`);
    await bench.close(page);
  } finally {
    await browser.close();
    await server.close();
    const { rmSync } = await import('node:fs');
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
