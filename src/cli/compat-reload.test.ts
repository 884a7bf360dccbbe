// The recorded cross-version verdicts (public/compat/loads.json for x86_64, loads-ARCH.json, and
// the held-out loads-heldout.json) are
// re-checked where CI has the target QEMU: every load into 7.2 is run again here with the host's
// QEMU 7.2 (every architecture in CI; elsewhere where installed) and the recorded command line, and
// must end as recorded, with the same first message.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startQemu } from '../../scripts/lib/qemu.mjs';

const DIR = join(import.meta.dirname, '../../public/compat');
interface Load { from: string; to: string; vm: string; kind: string; file: string; ok: boolean; messages: string[]; args: string[]; binary: string }
// loads-heldout.json (scripts/make-compat-heldout.mjs) names each load's architecture instead.
const BINARY: Record<string, string> = { x86_64: 'qemu-system-x86_64', aarch64: 'qemu-system-aarch64', ppc64: 'qemu-system-ppc64', s390x: 'qemu-system-s390x' };
const all: Load[] = ['loads.json', 'loads-aarch64.json', 'loads-ppc64.json', 'loads-s390x.json', 'loads-heldout.json'].flatMap((name) => {
  const data = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as { binary?: string; loads: (Load & { arch?: string })[] };
  return data.loads.map((l) => ({ ...l, binary: data.binary ?? BINARY[l.arch ?? 'x86_64'] }));
});
const is72 = (binary: string) => {
  try {
    return /version 7\.2\./.test(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
};
const has72 = is72('qemu-system-x86_64');
// CI installs qemu-system-x86, -arm, -ppc and -misc (.ci/run), so every 7.2 load re-runs there;
// elsewhere the ppc64 and s390x loads re-run where this host has their QEMU 7.2.
const loads = all.filter((l) => process.env.CI || ['qemu-system-x86_64', 'qemu-system-aarch64'].includes(l.binary) || is72(l.binary));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(has72 || process.env.CI)('loads into QEMU 7.2 end as recorded', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'compat-reload-'));
  it.each(loads.filter((l) => l.to === '7.2').map((l) => [`${l.binary} ${l.from} ${l.vm} ${l.kind}`, l] as const))('%s', async (_n, l) => {
    const file = join(tmp, l.file);
    writeFileSync(file, gunzipSync(readFileSync(join(DIR, `${l.file}.gz`))));
    const args = l.args.map((a) => (a === 'exec:cat FILE' ? `exec:cat ${file}` : a));
    const q = await startQemu(l.binary, args).catch((e: { stderr?: string }) => ({ failed: e.stderr ?? String(e) }));
    let ok = false;
    let stderr = '';
    if ('failed' in q) stderr = q.failed;
    else {
      let status = '';
      try {
        for (let i = 0; i < 1500 && !['completed', 'failed'].includes(status); i++, await sleep(20)) status = (await q.qmp.execute('query-migrate')).status;
      } catch {
        status = 'exited';
      }
      ok = status === 'completed';
      if (ok) await q.qmp.execute('quit').catch(() => {});
      else setTimeout(() => q.proc.kill('SIGKILL'), 10_000).unref();
      await q.exited;
      stderr = q.stderr();
    }
    expect(ok).toBe(l.ok);
    const first = (lines: string[]) => lines.map((s) => (s.startsWith(`${l.binary}: `) ? s.slice(l.binary.length + 2) : s).trim()).find((s) => s && !s.startsWith('warning:'));
    expect(first(stderr.split('\n'))).toBe(first(l.messages));
  });
});
