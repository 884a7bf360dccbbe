// Issue #12: `check --target 10.0 FILES...` over a host's whole save directory. The directory is
// made of the real QEMU 7.2, 10.0 and 11.1 files of public/compat (x86 pc and q35, aarch64 virt;
// device-state files and migration streams), copied COPIES times each, so the figure includes the
// per-file scan and check, and the target data is read once per process as it would be.
// Whole process, best of RUNS; one JSON line per file is what the command prints. CPU time (user +
// system of the child) is printed beside wall time: on a machine shared by many engineers (load
// average 20 on 2 cores while this was written) it is the steadier figure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const RUNS = 3;
const COPIES = Number(process.env.BENCH_COMPAT_COPIES ?? 4);
const BIN = join(import.meta.dirname, '../bin/vmstate-explorer.js');
const COMPAT = join(import.meta.dirname, '../public/compat');

function saveDirectory(): { dir: string; files: string[]; bytes: number } {
  const dir = join(tmpdir(), 'vmstate-bench-compat');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  for (const name of readdirSync(COMPAT).filter((f) => f.endsWith('.bin.gz')).sort()) {
    const data = gunzipSync(readFileSync(join(COMPAT, name)));
    for (let i = 0; i < COPIES; i++) {
      const file = join(dir, `${i}-${name.slice(0, -3)}`);
      writeFileSync(file, data);
      files.push(file);
      bytes += data.length;
    }
  }
  return { dir, files, bytes };
}

/** CPU time (ms) of this process's reaped children (cutime + cstime of /proc/self/stat, 10 ms ticks). */
function childrenCpu(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

export function benchCompat(): void {
  spawnSync('node', [BIN, '--version']); // builds dist-cli if missing or stale, before anything is timed
  const { dir, files, bytes } = saveDirectory();
  const kinds = { devstate: files.filter((f) => f.includes('devstate')).length, migration: files.filter((f) => f.includes('migration')).length };
  let best = Infinity;
  let bestCpu = Infinity;
  let lines = 0;
  const verdicts: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    const cpu0 = childrenCpu();
    const t = performance.now();
    const r = spawnSync('node', [BIN, 'check', '--target', '10.0', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = performance.now() - t;
    // Exit 1 means some file fails to load: a verdict, not an error.
    if (r.status !== 0 && r.status !== 1) throw new Error(`check failed (${r.status}): ${r.stderr}`);
    best = Math.min(best, ms);
    bestCpu = Math.min(bestCpu, childrenCpu() - cpu0);
    const out = r.stdout.trim().split('\n');
    lines = out.length;
    for (const k of Object.keys(verdicts)) delete verdicts[k];
    for (const l of out) {
      const v = (JSON.parse(l) as { verdict: string }).verdict;
      verdicts[v] = (verdicts[v] ?? 0) + 1;
    }
  }
  if (lines !== files.length) throw new Error(`check printed ${lines} lines for ${files.length} files`);
  console.log(`\ncheck --target 10.0 over a save directory: ${files.length} files (${kinds.devstate} device-state, ${kinds.migration} migration streams; ${(bytes / 1048576).toFixed(1)} MiB), whole process, best of ${RUNS}`);
  console.log(`  wall ${best.toFixed(0)} ms: ${(files.length / (best / 1000)).toFixed(1)} files/s, ${(bytes / 1048576 / (best / 1000)).toFixed(1)} MiB/s`);
  console.log(`  CPU ${bestCpu.toFixed(0)} ms: ${(files.length / (bestCpu / 1000)).toFixed(1)} files per CPU second; verdicts ${JSON.stringify(verdicts)}`);
  rmSync(dir, { recursive: true, force: true });
}
