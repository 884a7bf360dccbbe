// `npm run bench`, second half: the browser figures, measured in one run in Debian's headless
// Chromium against the production build. A benchmark, not a test: a missed target is printed,
// never an exit status; errors (ours or the page's) fail the run after the summary. Each part is
// its own file (BENCH_ONLY below names them):
//   scan       bench-scan.ts: the worker's full scan vs plain read loops over the same File, and
//              the time to the section table of a large stream (issue #5, parts 1 and 2);
//   devstate   bench-devstate.ts: time to the section table of a device-state file;
//   memory/hex bench-memory-hex.ts: the scan worker's peak memory during the 4 GiB scan, and the
//              longest main-thread task while the hex view scrolls it end to end;
//   open4g     bench-open4g.ts: time to the section table of random4g and of a raw libvirt save
//              image of a 4 GiB guest (issue #11), median and best of fresh pages;
//   library    bench-library.ts; compare bench-compare.ts; qcow2 bench-qcow2.ts;
//   compressed bench-compressed-opens.ts: worker memory while compressed libvirt images open.
// The app is built into a temporary directory (not dist/, which the e2e run rebuilds and serves)
// and served with `vite preview`, together with the small pages in scripts/bench-browser/; the
// harness (pages, probes, opening a file, the worker over CDP, memory sampling) is
// scripts/bench-harness.ts. Parts never import this file: it runs main() when imported.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { chromium } from '@playwright/test';
import { DEFAULT_SLICE } from '../src/format/window-reader.ts';
import { benchInputs, libvirt4gInput, qcow2Input } from './bench-inputs.ts';
import { open4gBench } from './bench-open4g.ts';
import { compareBench } from './bench-compare.ts';
import { libraryFigures } from './bench-library.ts';
import { printQcow2, qcow2Bench } from './bench-qcow2.ts';
import { compressedOpens } from './bench-compressed-opens.ts';
import { devstateOpens } from './bench-devstate.ts';
import { memoryAndHex } from './bench-memory-hex.ts';
import { printScan, scanThroughput, type ScanFigures } from './bench-scan.ts';
import { Bench, buildAndServe, CHROMIUM_ARGS, fmtMs, median, MiB, VIEWPORT, type Target } from './bench-harness.ts';

let running: Bench | undefined;

/** BENCH_ONLY=scan,open4g,devstate,memory,hex,library,compare,qcow2,compressed (any of them) runs only those parts, for quick iterations. */
const PARTS = ['scan', 'open4g', 'devstate', 'memory', 'hex', 'library', 'compare', 'qcow2', 'compressed'] as const;
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((p) => p.trim()));
for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`BENCH_ONLY: unknown part "${p}" (parts: ${PARTS.join(', ')})`);

async function main(): Promise<number> {
  // Only the parts that read the QEMU-made streams wait for them (making random-4g.mig starts a 4 GiB guest).
  const needsInputs = ['scan', 'open4g', 'memory', 'hex'].some((p) => only.has(p));
  const inputs = needsInputs ? await benchInputs() : { idle: '', random1g: '', random4g: '' };
  const libvirt4g = only.has('open4g') ? await libvirt4gInput() : undefined;
  console.log('\n== browser: headless Chromium, production build (scripts/bench-browser.ts) ==');
  const { base, server, outDir } = await buildAndServe();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const bench = new Bench(browser, base);
  running = bench;
  const targets: Target[] = [];
  try {
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const nproc = spawnSync('nproc').stdout.toString().trim();
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`machine: ${nproc} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, load average ${load}; node ${process.version}; Chromium ${browser.version()}; viewport ${VIEWPORT.width}x${VIEWPORT.height}`);
    console.log(`app built into ${outDir}, served at ${base}; ${DEFAULT_SLICE / MiB} MiB slices for every reader`);

    // 1. Throughput.
    const scans = new Map<string, ScanFigures>();
    for (const [name, path] of only.has('scan') ? ([['random1g', inputs.random1g], ['random4g', inputs.random4g]] as const) : []) {
      bench.doing = `scanning ${name}`;
      const f = await scanThroughput(bench, path);
      scans.set(name, f);
      printScan(name, f, targets);
    }

    // 2. Time to the section table for a device-state file.
    if (only.has('devstate')) await devstateOpens(bench, targets);
    if (only.has('library')) await libraryFigures(bench, targets);
    // Time to the section table of a 4 GiB guest's state (issue #11): the open4g part's fresh pages
    // when it runs, else the scan part's opens of random4g.
    if (libvirt4g) await open4gBench(bench, { random4g: inputs.random4g, libvirt4g }, targets);
    const big = scans.get('random4g');
    if (big && !libvirt4g) {
      const bigTable = median(big.app.map((a) => a.tableMs));
      targets.push({ what: 'time to section table, random4g', value: fmtMs(bigTable), target: '< 300 ms', met: bigTable < 300 });
    }

    // 3. Memory: the app's worker during the 4 GiB scan, and the raw loops for comparison.
    if (only.has('memory') || only.has('hex')) await memoryAndHex(bench, inputs.random4g, targets, only);

    // 5. The comparison of two files (issue #13, scripts/bench-compare.ts).
    if (only.has('compare')) await compareBench(bench, targets);

    // 6. qcow2 snapshots (issue 14): the snapshot list, and the device sections after choosing one.
    if (only.has('qcow2')) {
      const image = await qcow2Input();
      bench.doing = 'the qcow2 image';
      printQcow2(image, await qcow2Bench(bench, image), targets);
    }

    // 7. Compressed libvirt images: worker memory while one decompresses.
    if (only.has('compressed')) await compressedOpens(bench, targets);

    // 8. Summary.
    console.log(`\nsummary (browser; load average now ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    const w = Math.max(...targets.map((t) => t.what.length));
    for (const t of targets) console.log(`  ${t.what.padEnd(w)}  ${t.value.padStart(12)}  target ${t.target.padEnd(13)} ${t.met === undefined ? '' : t.met ? 'met' : 'MISSED'}`);
    if (bench.errors.length) {
      console.error(`\n${bench.errors.length} error(s) during the browser run:\n  ${[...new Set(bench.errors)].join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await browser.close();
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench-browser failed${running ? ` while ${running.doing}` : ''}:`, e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
}
