// `npm run bench`, the comparison in the page (issue #13; BENCH_ONLY=compare runs only this):
//   a device-state file compared with an edited copy: change event of "Compare with…" to the
//   frame painting the first row of "Sections compared" (median of fresh pages), target < 200 ms;
//   two 4 GiB streams: the same to the first row (device differences, devices first on both
//   sides), target < 0.5 s; the whole comparison (compare request to reply, RAM included)
//   against the app's own scan of one of them (open request to reply), target <= 2.5x.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { fileSource } from '../src/cli/node-source.ts';
import { runEdits } from '../src/cli/edit-commands.ts';
import { bundledLibrary } from '../src/format/library-bundled.ts';
import { BENCH_DIR, diffInputs } from './bench-inputs.ts';
import { fmtMs, median, MiB, ROOT, until, warmPageCache, type Bench } from './bench-harness.ts';

export interface CompareTarget { what: string; value: string; target: string; met?: boolean }

const RUNS = 5;
const DEVSTATE = join(ROOT, 'public/fixtures/q35-devstate.bin');

interface CompareProbe { compareChange: number | null; compareRowFrame: number | null; compares: Record<string, { posted: number; 'devices-first'?: number; scanned?: number; reply?: number; ok?: boolean; error?: string }>; opens: Record<string, { posted: number; reply?: number }> }
const read = (page: Page) => page.evaluate('JSON.parse(JSON.stringify(window.__bench))') as Promise<CompareProbe>;

/** The q35 device state with its RTC's CMOS byte 0x3f changed, written by the CLI's edit path. */
async function editedDevstate(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const out = join(BENCH_DIR, 'q35-devstate-cmos.bin');
  if (existsSync(out)) return out; // made by an earlier run (the CLI never overwrites)
  const src = await fileSource(DEVSTATE);
  try {
    const r = await runEdits({ stream: src }, [{ kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }], out, { library: bundledLibrary() });
    if (!r.ok) throw new Error(`making ${out}: ${r.reason}`);
  } finally {
    await src.close();
  }
  return out;
}

async function openAndWait(page: Page, path: string, timeoutMs: number): Promise<number> {
  const before = Object.keys((await read(page)).opens).length;
  await page.getByLabel('Open state file').setInputFiles(path);
  await until(page, `(() => { const o = Object.values(window.__bench.opens); return o.length > ${before} && o[o.length - 1].reply !== undefined; })()`, timeoutMs, `the reply to opening ${path}`);
  const o = Object.values((await read(page)).opens).at(-1)!;
  return o.reply! - o.posted;
}

/** Compares the open file with `path`; returns page-clock figures once the reply is in. */
async function compareAndWait(page: Page, path: string, timeoutMs: number) {
  await page.getByLabel('Compare with…').setInputFiles(path);
  await until(page, `(() => { const c = Object.values(window.__bench.compares); return c.length > 0 && c[c.length - 1].reply !== undefined && window.__bench.compareRowFrame !== null; })()`, timeoutMs, `the comparison with ${path}`);
  const p = await read(page);
  const c = Object.values(p.compares).at(-1)!;
  if (!c.ok) throw new Error(`comparing with ${path} failed: ${c.error}`);
  return { rowMs: p.compareRowFrame! - p.compareChange!, devicesFirstMs: c['devices-first'] === undefined ? undefined : c['devices-first'] - c.posted, scannedMs: c.scanned === undefined ? undefined : c.scanned - c.posted, replyMs: c.reply! - c.posted };
}

export async function compareBench(bench: Bench, targets: CompareTarget[]): Promise<void> {
  // Device-state files, each pair in a fresh page.
  bench.doing = 'comparing q35-devstate.bin with an edited copy';
  const edited = await editedDevstate();
  const dev: Awaited<ReturnType<typeof compareAndWait>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await bench.appPage();
    try {
      await openAndWait(page, DEVSTATE, 30_000);
      dev.push(await compareAndWait(page, edited, 30_000));
    } finally {
      await bench.close(page);
    }
  }
  const devMed = median(dev.map((d) => d.rowMs));
  console.log(`\ncomparison: q35-devstate.bin vs a copy with cmos_data[63] edited, ${RUNS} fresh pages:`);
  console.log(`  change event to the frame with the first "Sections compared" row: ${dev.map((d) => fmtMs(d.rowMs)).join(', ')}; median ${fmtMs(devMed)}`);
  console.log(`  compare request to reply: ${dev.map((d) => fmtMs(d.replyMs)).join(', ')}`);
  targets.push({ what: 'comparison on screen, q35 device-state files (median)', value: fmtMs(devMed), target: '< 200 ms', met: devMed < 200 });

  // Two 4 GiB streams in one page: the left opened (its scan timed), then the right compared.
  const { left, right, differingPages } = await diffInputs();
  warmPageCache(left);
  warmPageCache(right);
  bench.doing = 'comparing two 4 GiB streams';
  const timeout = Math.max(300_000, (8 * 1024 * MiB) / MiB * 100);
  const page = await bench.appPage();
  try {
    const scanMs = await openAndWait(page, left, timeout);
    const c = await compareAndWait(page, right, timeout);
    const ram = await page.getByRole('region', { name: 'RAM compared' }).locator('h3').textContent();
    console.log(`\ncomparison: two 4 GiB streams (${differingPages} RAM pages and 2 RTC fields differ): ${ram}`);
    console.log(`  change event to the frame with the first "Sections compared" row: ${fmtMs(c.rowMs)} (devices-first event ${c.devicesFirstMs === undefined ? 'none' : fmtMs(c.devicesFirstMs)} after the request)`);
    console.log(`  compare request to the scanned devices ${c.scannedMs === undefined ? 'none' : fmtMs(c.scannedMs)}, to the reply with RAM ${fmtMs(c.replyMs)}; the app's scan of the left file ${fmtMs(scanMs)}`);
    targets.push({ what: 'device differences on screen, two 4 GiB streams', value: fmtMs(c.rowMs), target: '< 500 ms', met: c.rowMs < 500 });
    const ratio = c.replyMs / scanMs;
    targets.push({ what: 'whole comparison incl. RAM / one app scan, 4 GiB', value: ratio.toFixed(2), target: '<= 2.5', met: ratio <= 2.5 });
  } finally {
    await bench.close(page);
  }
}
