// Decompressing in a nested worker against decompressing in the decode worker itself (issue #11),
// measured in one run: the app built twice (VITE_NESTED_DECOMPRESS=1: every codec but bzip2 nested,
// whatever the app's own choice; VITE_INLINE_DECOMPRESS=1: none), both served,
// and each compressed image opened in turn in each build, in one persistent browser profile (a
// user's window: OPFS on disk). The figure is the open's request to its last decompression
// progress (the stream in the spill), and the whole open; median and best of BENCH_RUNS (3).
//   [AB_KIND=realistic] node bin/tsx-run.js scripts/bench-nested.ts [gzip xz zstd]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { compressedImage, type MemoryKind } from './bench-compressed.ts';
import { CHROMIUM_ARGS, fmtMs, INSTRUMENT, median, openInFreshPage, VIEWPORT } from './bench-harness.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** AB_KIND=realistic: the realistic images' guest memory (bench-compressed.ts), as bench-ab.ts. */
const KIND = (process.env.AB_KIND ?? 'random') as MemoryKind;
const codecs = process.argv.slice(2).length ? process.argv.slice(2) : ['gzip', 'xz', 'zstd'];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

async function serve(inline: boolean, port: number) {
  const outDir = mkdtempSync(join(tmpdir(), `vmstate-bench-nested-${inline ? 'inline' : 'nested'}-`));
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true }, define: { 'import.meta.env.VITE_INLINE_DECOMPRESS': JSON.stringify(inline ? '1' : '0'), 'import.meta.env.VITE_NESTED_DECOMPRESS': JSON.stringify(inline ? '0' : '1') } });
  const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  return { base: `http://127.0.0.1:${port}`, close: async () => (await server.close(), rmSync(outDir, { recursive: true, force: true })) };
}

const port = Number(process.env.BENCH_PORT ?? 5436);
const builds = { nested: await serve(false, port), inline: await serve(true, port + 1) };
const dir = mkdtempSync(join(tmpdir(), 'vmstate-bench-profile-'));
const context = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: VIEWPORT });
try {
  await context.addInitScript({ path: INSTRUMENT });
  console.log(`nested worker vs inline decompression, ${KIND} RAM, persistent profile, ${RUNS} runs each, alternating (load ${load()})`);
  for (const codec of codecs) {
    const path = await compressedImage(codec as 'gzip', KIND);
    const ms: Record<keyof typeof builds, { inflate: number[]; open: number[] }> = { nested: { inflate: [], open: [] }, inline: { inflate: [], open: [] } };
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const pair: Record<string, number> = {};
      for (const mode of (i % 2 ? ['inline', 'nested'] : ['nested', 'inline']) as (keyof typeof builds)[]) {
        const o = await openInFreshPage(context, builds[mode].base, path);
        ms[mode].inflate.push(o.inflateMs!);
        ms[mode].open.push(o.scanMs);
        pair[mode] = o.inflateMs!;
      }
      ratios.push(pair.inline / pair.nested);
    }
    const line = (mode: keyof typeof builds) => `${mode.padEnd(6)} decoding into the spill median ${fmtMs(median(ms[mode].inflate))} best ${fmtMs(Math.min(...ms[mode].inflate))}; whole open median ${fmtMs(median(ms[mode].open))}`;
    console.log(`${codec} (load ${load()}):\n  ${line('nested')}\n  ${line('inline')}\n  speed-up of nested (inline / nested, per pair) ${ratios.map((r) => r.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(2)}`);
  }
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  await builds.nested.close();
  await builds.inline.close();
}
