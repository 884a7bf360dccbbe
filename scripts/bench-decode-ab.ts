// Two checkouts' decoders, one figure: the CPU time and the bytes allocated to scan real fixtures
// with the bundled library (field trees and all), measured in turns in one Node process so the
// machine's load hits both alike. For changes to the decoder's garbage and work per node (alloc7:
// the scan worker's device-state open, the CLI's trees, `npm run fuzz`). A tool for people, not
// part of `npm run bench`.
//   git worktree add --detach /tmp/base main && ln -s $PWD/node_modules /tmp/base/node_modules
//   node bin/tsx-run.js scripts/bench-decode-ab.ts /tmp/base [ROUNDS] [FIXTURE,...]   (B: this checkout)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FIXTURE_DIR } from '../src/format/testing/fixtures.ts';
import { libraryJsons } from '../src/format/testing/libraries.ts';
import type { DescriptionLibrary } from '../src/format/descriptions.ts';
import { ROOT } from './bench-harness.ts';

const [baseRoot, roundsArg = '12', filesArg = 'q35-devstate.bin,pc-migration.bin,qemu11/q35-migration.bin,virt-devstate.bin'] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: bench-decode-ab.ts OTHER-CHECKOUT [ROUNDS] [FIXTURES]');
const files = filesArg.split(',').map((f) => new Uint8Array(readFileSync(join(FIXTURE_DIR, f))));
const PER_ROUND = 5;

interface Decoder {
  name: string;
  scanStream(src: unknown, opts: { library: DescriptionLibrary }): Promise<unknown>;
  memorySource(b: Uint8Array): unknown;
  library: DescriptionLibrary;
  cpu: number[];
}

// Each checkout's own scan, bundled apart: the two must not share a module (or a registry).
const dir = mkdtempSync(join(tmpdir(), 'decode-ab-'));
async function load(name: string, root: string): Promise<Decoder> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, ['scan', 'byte-source', 'library'].map((m) => `export * from ${JSON.stringify(join(root, `src/format/${m}.ts`))};`).join('\n'));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, `${name}.mjs`), logLevel: 'warning' });
  const m = await import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  return { name, scanStream: m.scanStream, memorySource: m.memorySource, library: m.createLibrary(libraryJsons()), cpu: [] };
}

async function scanAll(d: Decoder): Promise<void> {
  for (const b of files) await d.scanStream(d.memorySource(b), { library: d.library });
}

/** Bytes allocated per scan of every file (sampling heap profiler, collected objects included). */
async function allocated(d: Decoder): Promise<number> {
  const s = new Session();
  s.connect();
  await s.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < PER_ROUND; i++) await scanAll(d);
  const { profile } = await s.post('HeapProfiler.stopSampling');
  s.disconnect();
  type N = { selfSize: number; children: N[] };
  const sum = (n: N): number => n.selfSize + n.children.reduce((t, c) => t + sum(c), 0);
  return sum(profile.head as N) / PER_ROUND;
}

const sides = [await load('A', resolve(baseRoot)), await load('B', ROOT)];
for (const d of sides) for (let i = 0; i < 3; i++) await scanAll(d); // warm up both
for (let r = 0; r < Number(roundsArg); r++) {
  for (const d of r % 2 ? [...sides].reverse() : sides) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) await scanAll(d);
    const t = process.cpuUsage(t0);
    d.cpu.push((t.user + t.system) / 1000 / PER_ROUND);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`${filesArg}: one scan of each, ${roundsArg} rounds of ${PER_ROUND} per side in turns, load ${loadavg}`);
for (const d of sides) console.log(`  ${d.name}: CPU median ${median(d.cpu).toFixed(1)} ms (min ${Math.min(...d.cpu).toFixed(1)}), ${((await allocated(d)) / 1e6).toFixed(1)} MB allocated`);
console.log(`  B/A CPU ${(median(sides[1].cpu) / median(sides[0].cpu)).toFixed(2)}`);
rmSync(dir, { recursive: true, force: true });
