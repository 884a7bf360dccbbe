// `npm run bench`, browser part "library" (issue #12): what the description libraries cost the page.
// The libraries (public/library/*.json.gz, one per QEMU version and architecture) are fetched by
// the worker only when a file without a description opens, so:
//   - the first load (everything the page fetches before a file is opened) must not include
//     any of them, and must not grow by more than 10% over the same page without libraries:
//     without them the page fetches exactly the same set, so the growth is the bytes of library
//     files in the first load (0 when none is fetched);
//   - the libraries one file needs arrive in under 200 ms each from the local server.
// Request sizes and timings come from Playwright's network events, which in Chromium include the
// requests of the page's dedicated workers.
import { join } from 'node:path';
import type { Request } from '@playwright/test';
import { fmtMs, ROOT, sleep, type Bench } from './bench-harness.ts';

export interface LibraryTarget { what: string; value: string; target: string; met?: boolean }

const DEVSTATE = join(ROOT, 'public/fixtures/q35-devstate.bin');
const isLibrary = (r: Request) => new URL(r.url()).pathname.includes('/library/');

export async function libraryFigures(bench: Bench, targets: LibraryTarget[]): Promise<void> {
  bench.doing = 'measuring the first load and the library fetches';
  const done: { request: Request; bytes: number }[] = [];
  const page = await bench.page();
  page.on('requestfinished', (r) => void r.sizes().then((s) => done.push({ request: r, bytes: s.responseBodySize })).catch(() => {}));
  try {
    await page.goto(`${bench.base}/`);
    await page.getByLabel('Open state file').waitFor({ state: 'attached' });
    await sleep(1000);
    const first = [...done];
    const firstBytes = first.reduce((n, d) => n + d.bytes, 0);
    const firstLibrary = first.filter((d) => isLibrary(d.request)).reduce((n, d) => n + d.bytes, 0);
    await page.getByLabel('Open state file').setInputFiles(DEVSTATE);
    await page.getByRole('table', { name: 'Sections' }).locator('tbody tr:not(.spacer)').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('[data-open-state="done"]').waitFor({ state: 'attached', timeout: 60_000 });
    await sleep(200);
    const fetched = done.filter((d) => isLibrary(d.request));
    console.log(`\ndescription libraries (q35-devstate.bin, no description of its own):`);
    console.log(`  first load: ${first.length} requests, ${(firstBytes / 1024).toFixed(0)} KiB, of which library files ${firstLibrary} bytes`);
    const times = fetched.map((d) => ({ name: new URL(d.request.url()).pathname.split('/').pop()!, bytes: d.bytes, ms: d.request.timing().responseEnd }));
    for (const t of times) console.log(`  fetched ${t.name.padEnd(28)} ${String(t.bytes).padStart(7)} bytes in ${fmtMs(t.ms)}`);
    const growth = firstBytes ? firstLibrary / (firstBytes - firstLibrary) : 0;
    targets.push({ what: 'first load growth from the libraries', value: `${(growth * 100).toFixed(1)}%`, target: '<= 10%', met: growth <= 0.1 });
    const slowest = Math.max(...times.map((t) => t.ms));
    if (times.length === 0) targets.push({ what: 'library fetch for one version+arch', value: 'none fetched', target: '< 200 ms', met: false });
    else targets.push({ what: `library fetch for one version+arch (slowest of ${times.length})`, value: fmtMs(slowest), target: '< 200 ms', met: slowest < 200 });
  } finally {
    await bench.close(page);
  }
}
