// The fuzzer's limits are real (issue #10): a case over the CPU limit, one that leaves more than
// the heap limit alive, and one that never returns are each reported with the seed and case
// number, the run goes on to the next case, and the exit code is 1. The over-limit cases are made
// by scripts/fuzz.ts's own hooks (--slow-case, --huge-case, --hang-case), which act after the
// case's real decode, inside the span the limits measure.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('npm run fuzz limits', () => {
  it('reports a slow case, a huge case and a hung case with their seed, and runs the rest', { timeout: 180_000 }, () => {
    const r = spawnSync('node', ['bin/tsx-run.js', 'scripts/fuzz.ts', '--seed', '77', '--cases', '6', '--case-ms', '400', '--heap-mb', '40', '--hang-ms', '15000', '--slow-case', '1', '--huge-case', '3', '--hang-case', '4'], { cwd: root, encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(1);
    expect(out).toMatch(/FAIL seed 77 case 1: \S+: took \d+ ms of CPU \(limit 400;/);
    expect(out).toMatch(/FAIL seed 77 case 3: \S+: heap grew by \d+ MiB \(limit 40\)/);
    expect(out).toMatch(/FAIL seed 77 case 4: hung for \d+ ms; killed/);
    // Cases 0, 2 and 5 ran and passed: 6 cases counted, exactly 3 failed.
    expect(out).toMatch(/seed 77: 6 cases \(0\.\.5\) in \d+ s \([\d.]+ cases\/s\), 3 failed/);
    expect(out).not.toMatch(/case [025]:/);
  });
});
