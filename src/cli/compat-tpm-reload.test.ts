// The recorded TPM loads (public/fixtures/tpm/loads.json, scripts/make-tpm-loads.mjs) re-run where
// CI has the target: every load into 7.2 runs again here with the host's QEMU 7.2, the host's swtpm
// (Debian bookworm's, the release whose swtpm recorded them; .ci/run installs both) and the same
// loader (scripts/lib/tpm-load.mjs), and must end as recorded: the same verdict, QEMU's same reason
// and the same device named. compat-tpm.test.ts holds our predictions to those records, so this
// keeps the predictions tied to a QEMU that runs, not only to a file written once.
// Two loads at a time: each has its own swtpm, guest RAM file and BIOS (tpm-load.mjs), and a load
// is mostly waiting on QEMU's start and exit, so two overlap well on the 2-core CI runners.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadTpmDevstate } from '../../scripts/lib/tpm-load.mjs';
import { named, qemuLine } from '../format/testing/compat-loads.ts';

const TPM = join(import.meta.dirname, '../../public/fixtures/tpm');
interface Load { from: string; to: string; file: string; machine: string; ok: boolean; status: string; exitCode?: number; messages: string[] }
interface Fixture { file: string; binary: string; args: string[] }
const loads = (JSON.parse(readFileSync(join(TPM, 'loads.json'), 'utf8')).loads as Load[]).filter((l) => l.to === '7.2');
const fixture = (l: Load): Fixture => {
  const [dir, file] = l.file.split('/');
  const manifest = JSON.parse(readFileSync(join(TPM, dir, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
  return manifest.fixtures.find((f) => f.file === file)!;
};

const version = (command: string) => {
  try {
    return execFileSync(command, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return null;
  }
};
const swtpm = version('swtpm');
/** Why a load into BINARY cannot re-run on this host, or null. In CI nothing is skipped: .ci/run installs both. */
const absent = (binary: string) => {
  if (process.env.CI) return null;
  if (!swtpm) return 'swtpm is not installed (Debian package swtpm)';
  const v = version(binary);
  if (!v) return `${binary} is not installed`;
  return /version 7\.2\./.test(v) ? null : `${binary} is not QEMU 7.2 (${v})`;
};

// At most two loads at once (vitest's own limit for concurrent tests is five).
let free = 2;
const waiting: (() => void)[] = [];
const slot = async () => {
  if (free > 0) free--;
  else await new Promise<void>((r) => waiting.push(r));
  return () => (waiting.length ? waiting.shift()!() : free++);
};

describe('TPM loads into QEMU 7.2 end as recorded', { timeout: 180_000 }, () => {
  it('has the 14 loads into 7.2 (7 machines from 10.0 and from 11.1)', () => expect(loads.length).toBe(14));

  it.concurrent.for(loads.map((l) => [`${l.from} ${l.machine}`, l] as const))('%s', async ([, l], ctx) => {
    const f = fixture(l);
    const why = absent(f.binary);
    if (why) return ctx.skip(why);
    const release = await slot();
    try {
      const r = await loadTpmDevstate(gunzipSync(readFileSync(join(TPM, l.file))), f.binary, f.args);
      const now = { ok: r.status === 'completed', ...r };
      const seen = { ok: now.ok, status: r.status, exitCode: r.exitCode, reason: qemuLine(now), device: named(now) };
      ctx.expect(seen, `QEMU 7.2 said ${JSON.stringify(r.messages)}`).toEqual({ ok: l.ok, status: l.status, exitCode: l.exitCode, reason: qemuLine(l), device: named(l) });
    } finally {
      release();
    }
  });
});
