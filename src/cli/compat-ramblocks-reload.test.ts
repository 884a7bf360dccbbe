// The RAM blocks recorded for QEMU 7.2 (public/compat/qemu-7.2-ARCH.json.gz `ramBlocks`, by
// scripts/lib/compat-ramblocks.mjs) asked again of the host's QEMU 7.2 where CI has it: the machine
// types the held-out and reference streams run (microvm, pc, q35, virt), each started as recorded.
// A Debian update that changed a firmware or ROM size would show here before it misleads the check.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WORK } from '../../scripts/lib/compat-qemu.mjs';
import { ramBlockFacts } from '../../scripts/lib/compat-ramblocks.mjs';

const DIR = join(import.meta.dirname, '../../public/compat');
const is72 = (binary: string) => {
  try {
    return /version 7\.2\./.test(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
};
const CASES = [
  { arch: 'x86_64', binary: 'qemu-system-x86_64', machines: ['microvm', 'pc-i440fx-7.2', 'pc-q35-7.2'] },
  { arch: 'aarch64', binary: 'qemu-system-aarch64', machines: ['virt-7.2'] },
].filter((c) => process.env.CI || is72(c.binary));

interface Facts { sets: unknown[][]; machines: Record<string, number> }

describe.runIf(CASES.length > 0)('RAM blocks of QEMU 7.2 as recorded', { timeout: 120_000 }, () => {
  it.each(CASES.map((c) => [c.arch, c] as const))('%s', async (_n, c) => {
    mkdirSync(WORK, { recursive: true });
    const recorded = JSON.parse(gunzipSync(readFileSync(join(DIR, `qemu-7.2-${c.arch}.json.gz`))).toString('utf8')).ramBlocks as Facts;
    const now = (await ramBlockFacts({ version: '7.2', root: '/' }, { binary: c.binary }, c.arch, c.machines)) as unknown as Facts;
    for (const m of c.machines) expect(now.sets[now.machines[m]], m).toEqual(recorded.sets[recorded.machines[m]]);
  });
});
