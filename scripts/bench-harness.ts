// The harness of `npm run bench`'s browser half (bench-browser.ts): the app built and served,
// pages with the probes of bench-browser/instrument.js, the scan worker reached over CDP, memory
// sampling, and the small helpers every part uses.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';

export const ROOT = resolve(import.meta.dirname, '..');
const HELPERS = join(import.meta.dirname, 'bench-browser');
export const INSTRUMENT = join(HELPERS, 'instrument.js');
export const MiB = 1024 * 1024;
export const VIEWPORT = { width: 1400, height: 900 };
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** What a bench trace records (BENCH_PROFILE; read by scripts/bench-trace.ts). */
export const TRACE_CATEGORIES = ['devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'toplevel'];
/** A page is given this long after loading before a file is picked, as a person would. */
export const SETTLE_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const fmtMs = (ms: number) => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
export const fmtRate = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
export const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const message = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));

/** Nothing the bench waits for may hang it: a stuck read or page becomes an error naming it. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const expired = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export function warmPageCache(path: string): void {
  const r = spawnSync('sh', ['-c', `cat '${path}' > /dev/null`]);
  if (r.status !== 0) throw new Error(`cat ${path} failed`);
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process went away
  }
}

/** What instrument.js keeps in window.__bench. */
interface OpenProbe { posted: number; name: string; size: number; firstProgress?: number; inflated?: number; firstInflate?: number; firstProduced?: number; lastProduced?: number; devices?: number; outline?: number; container?: number; reply?: number; ok?: boolean; records?: number; problems?: number; complete?: boolean; error?: string }
interface Probe { opens: Record<string, OpenProbe>; change: number | null; firstRow: number | null; firstRowFrame: number | null; longTasks: { start: number; duration: number }[]; maxFrameGap: number; longTaskError?: string }

// In-page code goes as strings through CDP: functions compiled by tsx may call helpers the page
// lacks, and the app's CSP forbids the eval behind string predicates of page.waitForFunction.
export const probe = (page: Page) => withTimeout(page.evaluate('JSON.parse(JSON.stringify(window.__bench))') as Promise<Probe>, 30_000, 'reading the page probe');

export async function until(page: Page, expression: string, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await withTimeout(page.evaluate(expression), 30_000, `evaluating ${what}`))) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------------------------
// Build, serve, pages

/** `minify: false` keeps function names for CPU profiles (bench-profile-devstate.ts). */
/** `root`: another checkout of the app (bench-devstate-ab.ts builds two and serves both). */
export async function buildAndServe(opts: { minify?: boolean; root?: string } = {}): Promise<{ base: string; server: PreviewServer; outDir: string }> {
  const root = opts.root ?? ROOT;
  const outDir = mkdtempSync(join(tmpdir(), 'vmstate-bench-browser-'));
  // `minify: false` or BENCH_UNMINIFIED=1: function names stay readable in profiles (bench-trace.ts,
  // bench-profile-devstate.ts); slower code, so only for profiling.
  const unminified = opts.minify === false || !!process.env.BENCH_UNMINIFIED;
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true, ...(unminified ? { minify: false } : {}) } });
  mkdirSync(join(outDir, 'bench-browser'));
  for (const f of readdirSync(HELPERS)) copyFileSync(join(HELPERS, f), join(outDir, 'bench-browser', f));
  // The codecs' own bundles, for the decompressor-alone baseline (bench-browser/codec-worker.js).
  copyFileSync(join(ROOT, 'node_modules/fzstd/umd/index.js'), join(outDir, 'bench-browser', 'fzstd.js'));
  copyFileSync(join(ROOT, 'node_modules/xz-decompress/dist/package/xz-decompress.js'), join(outDir, 'bench-browser', 'xz-decompress.js'));
  const port = await freePort();
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  return { base: `http://127.0.0.1:${port}`, server, outDir };
}

export class Bench {
  /** Uncaught errors in any bench page, with what the bench was doing. */
  readonly errors: string[] = [];
  private what = 'starting';
  private readonly t0 = performance.now();
  constructor(readonly browser: Browser, readonly base: string) {}

  get doing(): string {
    return this.what;
  }

  /** What the bench does now, for error messages; BENCH_VERBOSE=1 logs it to stderr. */
  set doing(what: string) {
    this.what = what;
    if (process.env.BENCH_VERBOSE) console.error(`[${((performance.now() - this.t0) / 1000).toFixed(1)} s] ${what}`);
  }

  async page(): Promise<Page> {
    const context = await this.browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(120_000);
    await context.addInitScript({ path: INSTRUMENT });
    const page = await context.newPage();
    page.on('pageerror', (e) => this.errors.push(`page error while ${this.doing}: ${message(e)}`));
    return page;
  }

  /** The app, loaded and given SETTLE_MS (its scan worker is started by then). */
  async appPage(before?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await this.page();
    await before?.(page);
    await page.goto(`${this.base}/`);
    await page.getByLabel('Open state file').waitFor({ state: 'attached' });
    await sleep(SETTLE_MS);
    if (page.workers().length === 0) throw new Error('the app started no worker');
    return page;
  }

  async close(page: Page): Promise<void> {
    await page.context().close();
  }
}

/** A page's dedicated worker through CDP: Target.setAutoAttach (non-flat) on the page's session. */
export class WorkerProbe {
  private sessionId = '';
  private nextId = 0;
  private readonly waiting = new Map<number, { res: (v: any) => void; rej: (e: Error) => void }>();

  private constructor(private readonly cdp: CDPSession, title: string) {
    cdp.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type === 'worker' && e.targetInfo.title === title) this.sessionId = e.sessionId;
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const m = JSON.parse(e.message);
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.rej(new Error(`worker CDP: ${m.error.message}`));
      else w.res(m.result);
    });
  }

  /** Attaches before the page loads, so the worker named `title` is caught as it starts. */
  static async before(page: Page, title: string): Promise<WorkerProbe> {
    const cdp = await page.context().newCDPSession(page);
    const p = new WorkerProbe(cdp, title);
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return p;
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 200 && !this.sessionId; i++) await sleep(25);
    if (!this.sessionId) throw new Error('the worker never attached over CDP');
  }

  call<T = any>(method: string, params: object = {}): Promise<T> {
    const id = ++this.nextId;
    const p = new Promise<T>((res, rej) => this.waiting.set(id, { res, rej }));
    this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch((e) => {
      this.waiting.get(id)?.rej(e);
      this.waiting.delete(id);
    });
    return p;
  }
}

export interface MemoryPeak {
  samples: number;
  heapUsed: number;
  heapTotal: number;
  /** JS heap used plus ArrayBuffer backing stores (slices read from the file live there). */
  heapPlusBuffers: number;
  rendererRss: number;
  browserRss: number;
}

/** Samples a worker's heap (and the renderer and browser processes' RSS) every 100 ms while `run` runs. */
export async function sampleMemory<T>(bench: Bench, worker: WorkerProbe, run: () => Promise<T>): Promise<{ value: T; peak: MemoryPeak }> {
  const cdp = await bench.browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  await cdp.detach();
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  const browserPid = processInfo.find((p) => p.type === 'browser')?.id;
  const rendererRss = () => renderers.reduce((s, pid) => s + rssBytes(pid), 0);

  type Usage = { usedSize: number; totalSize: number; backingStorageSize?: number };
  await withTimeout(worker.call('HeapProfiler.collectGarbage'), 30_000, 'HeapProfiler.collectGarbage in the worker');
  const base = await withTimeout(worker.call<Usage>('Runtime.getHeapUsage'), 10_000, 'Runtime.getHeapUsage in the worker');
  const baseRenderer = rendererRss();
  const baseBrowser = browserPid ? rssBytes(browserPid) : 0;
  const peak: MemoryPeak = { samples: 0, heapUsed: 0, heapTotal: 0, heapPlusBuffers: 0, rendererRss: 0, browserRss: 0 };
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      const t = performance.now();
      const u = await withTimeout(worker.call<Usage>('Runtime.getHeapUsage'), 10_000, 'Runtime.getHeapUsage in the worker');
      peak.samples++;
      peak.heapUsed = Math.max(peak.heapUsed, u.usedSize - base.usedSize);
      peak.heapTotal = Math.max(peak.heapTotal, u.totalSize - base.totalSize);
      peak.heapPlusBuffers = Math.max(peak.heapPlusBuffers, u.usedSize + (u.backingStorageSize ?? 0) - base.usedSize - (base.backingStorageSize ?? 0));
      peak.rendererRss = Math.max(peak.rendererRss, rendererRss() - baseRenderer);
      if (browserPid) peak.browserRss = Math.max(peak.browserRss, rssBytes(browserPid) - baseBrowser);
      await sleep(Math.max(0, 100 - (performance.now() - t)));
    }
  })();
  try {
    return { value: await run(), peak };
  } finally {
    stop = true;
    await sampler;
  }
}

// ---------------------------------------------------------------------------------------------
// Opening a file in the app, and the figures every part reports

/** A figure with its target; `met` undefined: printed for information, no target. */
export interface Target { what: string; value: string; target: string; met?: boolean }

/** One open of a file through the app's file input, as the page's probes saw it. */
export interface AppOpen {
  /** Worker round trip of the 'open' request: post to reply, on the page's clock. */
  scanMs: number;
  /** Input change event to the frame that paints the first row of the section table. */
  tableMs: number;
  /** The same seen from here: before setInputFiles to the page saying it painted the row. */
  tableWallMs: number;
  /** From the first progress event (the forward scan under way) to the reply. */
  forwardMs: number;
  /** Page clock: change event to posting the open; open to the outline event (when one came). */
  postMs: number;
  outlineMs?: number;
  /** Open request to the devices-first event, when one came. */
  devicesMs?: number;
  /** A compressed image: open request to the end of its decompression into the spill. */
  inflateMs?: number;
  /**
   * A compressed image's decoding after its first progress (sniff, spill opening and the first
   * MiB of input behind it): stream bytes and milliseconds from that progress to the last.
   */
  inflateRest?: { bytes: number; ms: number };
  records: number;
  problems: number;
}

export async function openInApp(page: Page, path: string, timeoutMs: number): Promise<AppOpen> {
  const before = Object.keys((await probe(page)).opens).length;
  const t0 = performance.now();
  await page.getByLabel('Open state file').setInputFiles(path);
  // Awaited in the page, not polled (see instrument.js whenRowPainted).
  await withTimeout(page.evaluate('window.__bench.whenRowPainted()'), timeoutMs, `the first row of ${path}`);
  const tableWallMs = performance.now() - t0;
  await withTimeout(page.evaluate(`window.__bench.whenOpened(${before})`), timeoutMs, `the worker's reply to opening ${path}`);
  const p = await probe(page);
  const opens = Object.values(p.opens);
  const o = opens[opens.length - 1];
  if (!o.ok) throw new Error(`opening ${path} failed in the app: ${o.error}`);
  if (p.change === null || p.firstRowFrame === null) throw new Error('the change/first-row probe did not fire');
  return { scanMs: o.reply! - o.posted, tableMs: p.firstRowFrame - p.change, tableWallMs, forwardMs: o.reply! - (o.firstProgress ?? o.posted), postMs: o.posted - p.change, outlineMs: o.outline === undefined ? undefined : o.outline - o.posted, devicesMs: o.devices === undefined ? undefined : o.devices - o.posted, inflateMs: o.inflated === undefined ? undefined : o.inflated - o.posted, inflateRest: o.inflated === undefined || o.firstInflate === undefined || o.inflated <= o.firstInflate ? undefined : { bytes: o.lastProduced! - o.firstProduced!, ms: o.inflated - o.firstInflate }, records: o.records!, problems: o.problems! };
}

/** Opens `path` in a fresh page of `context` at `base` (one app build), as a person would; the page is closed after. */
export async function openInFreshPage(context: BrowserContext, base: string, path: string, timeoutMs = 600_000): Promise<AppOpen> {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Open state file').waitFor({ state: 'attached' });
  await sleep(SETTLE_MS);
  const o = await openInApp(page, path, timeoutMs);
  await page.close();
  return o;
}
