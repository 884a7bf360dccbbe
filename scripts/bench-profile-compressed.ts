// Where a compressed open's time goes in the decode worker (issue 11): CPU profiles, in one
// persistent browser profile (a user's window: OPFS on disk), of the app's decode worker while a
// compressed libvirt image opens, and of the decompressor alone reading the same File
// (bench-browser/codec-worker.js, fromFile) for comparison; each summarised as idle / GC /
// native / JavaScript time and the hottest functions by self time, and written as .cpuprofile
// files (DevTools, Performance panel). A tool for finding what to change, not a figure:
//   node bin/tsx-run.js scripts/bench-profile-compressed.ts [CODEC] [random|realistic] [OUTDIR]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { streamStart } from '../src/format/testing/libvirt-fixtures.ts';
import { compressedImage, type MemoryKind } from './bench-compressed.ts';
import { hottest, split, type Profile } from './lib/cpu-profile.ts';
import { buildAndServe, CHROMIUM_ARGS, fmtMs, INSTRUMENT, openInApp, SETTLE_MS, sleep, VIEWPORT, WorkerProbe } from './bench-harness.ts';

const [codec = 'gzip', kind = 'realistic', out = '/tmp/compressed-profile'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });

/** Profiles the worker named `title` in `page` (loaded by `load`) while `run` runs. */
async function profiled<T>(page: Page, title: string, load: () => Promise<void>, run: () => Promise<T>): Promise<{ value: T; profile: Profile }> {
  const worker = await WorkerProbe.before(page, title);
  await load();
  await worker.ready();
  await worker.call('Profiler.enable');
  await worker.call('Profiler.setSamplingInterval', { interval: 100 });
  await worker.call('Profiler.start');
  const value = await run();
  const { profile } = await worker.call<{ profile: Profile }>('Profiler.stop');
  return { value, profile };
}

function summary(name: string, p: Profile): void {
  const s = split(p);
  const f = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(`\n${name}: ${f((p.endTime - p.startTime) / 1000)} profiled: idle ${f(s.idle)}, GC ${f(s.gc)}, native (program) ${f(s.program)}, JavaScript ${f(s.js)}; hottest by self time:\n  ${hottest(p, 22).join('\n  ')}`);
  writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(p));
}

const path = await compressedImage(codec as 'gzip', kind as MemoryKind);
const { base, server, outDir } = await buildAndServe({ minify: false });
const dir = mkdtempSync(join(tmpdir(), 'vmstate-bench-profile-'));
const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: VIEWPORT });
try {
  await context.addInitScript({ path: INSTRUMENT });
  console.log(`${codec}, ${kind} RAM, ${path} (load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; profilers on, so slower than the bench)`);
  const app = await context.newPage();
  const open = await profiled(app, 'vmstate-scan', async () => {
    await app.goto(`${base}/`);
    await app.getByLabel('Open state file').waitFor({ state: 'attached' });
    await sleep(SETTLE_MS);
  }, () => openInApp(app, path, 600_000));
  console.log(`open: decoding ${fmtMs(open.value.inflateMs ?? NaN)}, whole open ${fmtMs(open.value.scanMs)}`);
  summary(`${codec}-${kind}-open`, open.profile);
  await app.close();
  const alone = await context.newPage();
  const offset = streamStart(readFileSync(path).subarray(0, 1 << 20));
  const fed = await profiled(alone, 'codec-alone', async () => {
    await alone.goto(`${base}/bench-browser/codec.html`);
    await alone.locator('#file').setInputFiles(path);
    // The worker starts with the first call: one unprofiled run starts it (and warms the cache).
    await alone.evaluate(`window.codecAlone(${JSON.stringify({ codec, offset, fromFile: true })})`);
  }, () => alone.evaluate(`window.codecAlone(${JSON.stringify({ codec, offset, fromFile: true })})`) as Promise<{ ms: number }>);
  console.log(`\nthe decompressor alone reading the File: ${fmtMs(fed.value.ms)}`);
  summary(`${codec}-${kind}-alone-file`, fed.profile);
  console.log(`\nprofiles in ${out}`);
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
}
