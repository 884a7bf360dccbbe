// Whole-process figures of the command line (issue #10 part 5), as ratios measured in one run:
// start-up on a small file against `node -e 0` and `cat`, and `inspect` of the 1 GiB random
// stream against `cat` and, when ANALYZE_MIGRATION names a copy of it, QEMU's
// analyze-migration.py; `ram` of that stream against `cp` of it. Each command runs RUNS times, interleaved, and its best run counts, so a
// busy moment on a shared machine hits every command alike. CPU time (user + system of the
// child, 10 ms resolution) is printed beside wall time: on a machine shared by many engineers
// it is the steadier figure. The file source's read-ahead (src/cli/node-source.ts) is measured
// on its own too, in this process: the scan of the 1 GiB stream with synchronous reads and read
// ahead through the thread pool, wall and CPU, so its effect shows apart from start-up.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../src/cli/node-source.ts';
import { scanStream } from '../src/format/scan.ts';
import { random1gInput } from './bench-inputs.ts';

const RUNS = 7;
/** `node -e RAW_READ FILE`: reads FILE to its end and nothing else. */
const RAW_READ = "const fs=require('fs');const fd=fs.openSync(process.argv[1],'r');const b=new Uint8Array(1<<20);let p=0,n;while((n=fs.readSync(fd,b,0,b.length,p))>0)p+=n";
const BIN = join(import.meta.dirname, '../bin/vmstate-explorer.js');
const SMALL = join(import.meta.dirname, '../public/fixtures/virt-devstate.bin');

interface Timing { wall: number; cpu: number }
type Cmd = [string, string[], NodeJS.ProcessEnv?];

/**
 * NODE_EXTRA_CA_CERTS, when set (this machine's environment sets it), makes Node parse its CA
 * file and its own root certificates before any script runs: `node -e 0` took 504 M instructions
 * with it and 83-88 M without (valgrind), 106 ms against ~25 ms. No CLI can avoid it, so the
 * Node commands are also timed without it, as a user's shell usually runs them.
 */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS !== undefined;
const noExtraCa = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
};
/** The Node commands of `cmds` again without NODE_EXTRA_CA_CERTS, named "… (no CA env)", when it is set. */
function withoutExtraCa(cmds: Record<string, Cmd>): Record<string, Cmd> {
  if (!EXTRA_CA) return cmds;
  const more = Object.entries(cmds).filter(([, [cmd]]) => cmd === 'node').map(([k, [cmd, args]]): [string, Cmd] => [`${k} (no CA env)`, [cmd, args, noExtraCa()]]);
  return { ...cmds, ...Object.fromEntries(more) };
}
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Best wall time and best CPU time of RUNS runs of each command, interleaved. */
function race(cmds: Record<string, Cmd>, runs = RUNS): Record<string, Timing> {
  const best: Record<string, Timing> = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, [cmd, args, env]] of Object.entries(cmds)) {
      const cpu0 = childrenCpu();
      const t = performance.now();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26, env: env ?? process.env });
      const wall = performance.now() - t;
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
      const b = (best[name] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, wall);
      b.cpu = Math.min(b.cpu, childrenCpu() - cpu0);
    }
  }
  return best;
}

/**
 * CPU time (ms) of this process's reaped children: cutime + cstime of /proc/self/stat, in clock
 * ticks of 10 ms (spawnSync reaps its child before it returns).
 */
function childrenCpu(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); cutime and cstime are fields 16 and 17.
  return (Number(f[13]) + Number(f[14])) * 10;
}

const ms = (t: Timing) => `${t.wall.toFixed(0)} ms (CPU ${t.cpu.toFixed(0)} ms)`;

export async function benchCli(): Promise<void> {
  console.log(`\ncommand line, whole process (best of ${RUNS}, interleaved; compiled CLI in dist-cli/)`);
  spawnSync('node', [BIN, '--version']); // builds dist-cli if missing or stale, before anything is timed
  const small = race(withoutExtraCa({
    'node -e 0': ['node', ['-e', '0']],
    cat: ['cat', [SMALL]],
    inspect: ['node', [BIN, 'inspect', SMALL]],
    '--version': ['node', [BIN, '--version']],
  }));
  console.log(`  start-up: inspect ${SMALL.split('/').pop()} (${statSync(SMALL).size} bytes, no description: loads the bundled library); load ${load()}`);
  for (const [k, v] of Object.entries(small)) console.log(`    ${k.padEnd(22)} ${ms(v)}`);
  for (const env of EXTRA_CA ? ['', ' (no CA env)'] : ['']) {
    const [node, inspect] = [small[`node -e 0${env}`], small[`inspect${env}`]];
    console.log(`    inspect${env} takes ${(inspect.wall - node.wall).toFixed(0)} ms more than node -e 0${env} (target: under 100 ms in all: ${inspect.wall < 100 ? 'met' : 'NOT met'})`);
    // The floor of any Node CLI, measured in this run: a target below it is out of reach here.
    if (node.wall >= 100) console.log(`    floor: node -e 0${env} alone takes ${node.wall.toFixed(0)} ms: under 100 ms in all is out of reach for any Node CLI${env ? ' on this machine' : ' in this environment'}`);
  }
  if (EXTRA_CA) console.log(`    NODE_EXTRA_CA_CERTS is set here: Node reads ${process.env.NODE_EXTRA_CA_CERTS} before any script runs (node -e 0 ${small['node -e 0'].wall.toFixed(0)} ms with it, ${small['node -e 0 (no CA env)'].wall.toFixed(0)} ms without)`);

  const big = await random1gInput();
  const analyze = process.env.ANALYZE_MIGRATION;
  spawnSync('cat', [big], { stdio: 'ignore' }); // warm the page cache so every reader starts equal
  const cmds: Record<string, Cmd> = {
    cat: ['sh', ['-c', `cat '${big}' > /dev/null`]],
    inspect: ['node', [BIN, 'inspect', big]],
    // The floor: a Node process that only reads the file (readSync, 1 MiB slices, one buffer).
    'node raw read loop': ['node', ['-e', RAW_READ, big]],
  };
  if (analyze) cmds['analyze-migration.py'] = ['python3', [analyze, '-f', big]];
  const r = race(withoutExtraCa(cmds));
  console.log(`  inspect of ${big.split('/').pop()} (${(statSync(big).size / 2 ** 20).toFixed(0)} MiB); load ${load()}`);
  for (const [k, v] of Object.entries(r)) console.log(`    ${k.padEnd(34)} ${ms(v)}`);
  const py = r['analyze-migration.py'];
  for (const env of EXTRA_CA ? ['', ' (no CA env)'] : ['']) {
    const [inspect, floor] = [r[`inspect${env}`], r[`node raw read loop${env}`]];
    console.log(`    inspect${env}/cat throughput ${(r.cat.wall / inspect.wall).toFixed(2)} (target >= 0.5: inspect in ${(2 * r.cat.wall).toFixed(0)} ms or less: ${r.cat.wall / inspect.wall >= 0.5 ? 'met' : 'NOT met'})`);
    const over = inspect.wall - floor.wall;
    console.log(`    floor${env}: a Node process that only reads the file takes ${floor.wall.toFixed(0)} ms (${(r.cat.wall / floor.wall).toFixed(2)}x cat's throughput); inspect takes ${over >= 0 ? `${over.toFixed(0)} ms more` : `${(-over).toFixed(0)} ms less (its reads overlap its scan)`}`);
    if (py) console.log(`    inspect${env} is ${(py.wall / inspect.wall).toFixed(1)}x faster than analyze-migration.py (target >= 8: inspect in ${(py.wall / 8).toFixed(0)} ms or less: ${py.wall / inspect.wall >= 8 ? 'met' : `NOT met${floor.wall > py.wall / 8 ? '; reading the file alone takes longer' : ''}`})`);
  }
  if (!py) console.log('    analyze-migration.py: set ANALYZE_MIGRATION=/path/to/analyze-migration.py to compare');
  ramAgainstCp(big);
  await readAheadEffect(big);
}

/**
 * `ram` of the 1 GiB stream (scan, then every page copied into a sparse pc.ram.bin) against `cp`
 * of the stream, each removing what it wrote: how much of `ram` is the copy a file system makes
 * anyway. No target; 3 runs, as each writes 1 GiB.
 */
function ramAgainstCp(big: string): void {
  const out = join(tmpdir(), `vmstate-bench-ram-${process.pid}`);
  const r = race({
    'cp of the stream': ['sh', ['-c', `cp '${big}' '${out}.cp' && rm -f '${out}.cp'`]],
    'ram -o DIR': ['sh', ['-c', `node '${BIN}' ram '${big}' -o '${out}' 2>/dev/null && rm -rf '${out}'`]],
  }, 3);
  console.log(`  ram of ${big.split('/').pop()} (best of 3, interleaved; load ${load()})`);
  for (const [k, v] of Object.entries(r)) console.log(`    ${k.padEnd(34)} ${ms(v)}`);
  console.log(`    ram/cp wall ${(r['ram -o DIR'].wall / r['cp of the stream'].wall).toFixed(2)}x`);
}

/** The scan alone, in this process, with each way of reading (best of RUNS, interleaved). */
async function readAheadEffect(path: string): Promise<void> {
  const best: Record<string, Timing> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const readAhead of [false, true]) {
      const name = readAhead ? 'read ahead, thread pool' : 'synchronous reads';
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const src = await fileSource(path, { readAhead });
      try {
        await scanStream(src);
      } finally {
        await src.close();
      }
      const cpu = process.cpuUsage(cpu0);
      const b = (best[name] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, performance.now() - t);
      b.cpu = Math.min(b.cpu, (cpu.user + cpu.system) / 1000);
    }
  }
  console.log(`  the scan of ${path.split('/').pop()} alone, in this process (no start-up; CPU of every thread)`);
  for (const [k, v] of Object.entries(best)) console.log(`    ${k.padEnd(24)} ${ms(v)}`);
}

if (process.argv[1] === import.meta.filename) await benchCli();
