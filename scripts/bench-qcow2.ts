// `npm run bench`, browser part "qcow2" (issue 14): a qcow2 image of a 4 GiB pc guest with two
// savevm snapshots (bench-inputs.ts qcow2Input, ~1 GiB VM state each), opened in the production
// build in headless Chromium. Two figures, each the median of fresh pages:
//   - the snapshot list: the file input's change event to the frame that paints the first row of
//     the "Snapshots" table (the worker sends the list before it maps the snapshot's clusters or
//     scans any VM state; the page never parses the file itself);
//   - choosing a snapshot: the click on "Open snapshot before" to the frame that paints the first
//     device section (a FULL row) of that snapshot's VM state (devices first, before the scan).
import { statSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { type Bench, fmtMs, median, MiB, probe, until, warmPageCache } from './bench-harness.ts';

const RUNS = 5;

/**
 * In the page: resolves to the time of the frame that first paints an element matching `selector`
 * (with `text` in it) that was not there when this was called; `start` names the event whose time
 * counts as zero ('change': the file input's, from the instrument; 'click': the next click's).
 */
const WATCH = `(selector, text, start) => {
  const b = window.__bench;
  for (const el of document.querySelectorAll(selector)) el.__benchOld = true;
  if (start === 'click') document.addEventListener('click', () => (b.clickAt = performance.now()), { capture: true, once: true });
  b.painted = new Promise((resolve) => {
    const look = () => {
      if (![...document.querySelectorAll(selector)].some((el) => !el.__benchOld && (!text || (el.textContent || '').includes(text)))) return;
      obs.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - (start === 'click' ? b.clickAt : b.change)));
    };
    const obs = new MutationObserver(look);
    obs.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  });
}`;

const watch = (page: Page, selector: string, text: string, start: 'change' | 'click') => page.evaluate(`(${WATCH})(${JSON.stringify(selector)}, ${JSON.stringify(text)}, '${start}')`);
const painted = (page: Page) => page.evaluate('window.__bench.painted') as Promise<number>;
const DONE = `document.querySelector('.app[data-open-state="done"]') !== null`;

export interface Qcow2Figures {
  listMs: number[];
  /** Change event to the open posted; posted to the worker's container event (the list's data). */
  postMs: number[];
  containerMs: number[];
  chooseMs: number[];
  /** Click to the worker's reply for the chosen snapshot (its whole VM state scanned), for information. */
  chosenScanMs: number[];
  /** From the click: the open posted, the container event, the devices-first event (worker events as the page gets them). */
  chooseSteps: { posted: number; container: number; devices: number }[];
  /** Change event to the default snapshot's open being done, for information. */
  firstOpenMs: number[];
}

export async function qcow2Bench(bench: Bench, path: string): Promise<Qcow2Figures> {
  const size = statSync(path).size;
  const timeout = Math.max(120_000, (size / MiB) * 100);
  warmPageCache(path);
  const f: Qcow2Figures = { listMs: [], postMs: [], containerMs: [], chooseMs: [], chosenScanMs: [], chooseSteps: [], firstOpenMs: [] };
  for (let i = 0; i < RUNS; i++) {
    const page = await bench.appPage();
    try {
      bench.doing = `qcow2 run ${i + 1}: opening ${path}`;
      await watch(page, 'table[aria-label="Snapshots"] tbody tr', '', 'change');
      await page.getByLabel('Open state file').setInputFiles(path);
      f.listMs.push(await painted(page));
      await until(page, DONE, timeout, 'the default snapshot to open');
      const p0 = await probe(page);
      f.firstOpenMs.push(((await page.evaluate('performance.now()')) as number) - p0.change!);
      const o0 = Object.values(p0.opens).at(-1)!;
      f.postMs.push(o0.posted - p0.change!);
      f.containerMs.push((o0.container ?? NaN) - o0.posted);

      bench.doing = `qcow2 run ${i + 1}: choosing "before"`;
      const opens = Object.keys((await probe(page)).opens).length;
      await watch(page, 'table[aria-label="Sections"] tbody tr:not(.spacer)', 'FULL', 'click');
      await page.getByRole('table', { name: 'Snapshots' }).getByRole('button', { name: 'Open snapshot before' }).click();
      f.chooseMs.push(await painted(page));
      await until(page, `(() => { const o = Object.values(window.__bench.opens); return o.length > ${opens} && o[o.length - 1].reply !== undefined; })()`, timeout, 'the chosen snapshot\'s reply');
      const p = await probe(page);
      const o = Object.values(p.opens).at(-1)!;
      if (!o.ok) throw new Error(`opening snapshot "before" failed: ${o.error}`);
      const clickAt = (p as unknown as { clickAt: number }).clickAt;
      f.chosenScanMs.push(o.reply! - clickAt);
      f.chooseSteps.push({ posted: o.posted - clickAt, container: (o.container ?? NaN) - clickAt, devices: (o.devices ?? NaN) - clickAt });
      const heading = await page.locator('.file-info').textContent();
      if (!heading?.includes('snapshot "before" (id 1)')) throw new Error(`the heading says "${heading}" after choosing "before"`);
    } finally {
      await bench.close(page);
    }
  }
  return f;
}

export function printQcow2(path: string, f: Qcow2Figures, targets: { what: string; value: string; target: string; met?: boolean }[]): void {
  const list = median(f.listMs);
  const choose = median(f.chooseMs);
  console.log(`\nqcow2 image of a 4 GiB guest (${(statSync(path).size / MiB).toFixed(0)} MiB, 2 savevm snapshots of ~1 GiB VM state), ${f.listMs.length} fresh pages:`);
  console.log(`  change event to the frame with the snapshot list:         ${f.listMs.map(fmtMs).join(', ')}; median ${fmtMs(list)}`);
  console.log(`    of which change to open posted ${f.postMs.map(fmtMs).join(', ')}; posted to the worker's first container event ${f.containerMs.map(fmtMs).join(', ')}`);
  console.log(`  change event to the default snapshot fully open:          ${f.firstOpenMs.map(fmtMs).join(', ')}`);
  console.log(`  click "Open snapshot before" to its first device section: ${f.chooseMs.map(fmtMs).join(', ')}; median ${fmtMs(choose)}`);
  console.log(`    of which click to: open posted ${f.chooseSteps.map((x) => fmtMs(x.posted)).join(', ')}; container event ${f.chooseSteps.map((x) => fmtMs(x.container)).join(', ')}; devices-first event ${f.chooseSteps.map((x) => fmtMs(x.devices)).join(', ')}`);
  console.log(`  click to the worker's reply (its VM state scanned):       ${f.chosenScanMs.map(fmtMs).join(', ')}`);
  targets.push({ what: 'qcow2 4 GiB guest: snapshot list on screen (median)', value: fmtMs(list), target: '< 100 ms', met: list < 100 });
  targets.push({ what: 'qcow2 4 GiB guest: device sections after choosing (median)', value: fmtMs(choose), target: '< 500 ms', met: choose < 500 });
}
