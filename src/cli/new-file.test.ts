// qa10: an output (extract, set, apply, --save-patch) that failed mid-way stayed behind half
// written: a full disk left `OUT` with the first MiB of a 128 MiB stream and an empty patch file,
// Ctrl+C during `extract` of a 4 GiB image left 400 MB of it, and a compressed image's temporary
// stream stayed in $TMPDIR. The oracle is the directory's listing after the failure: nothing new.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { writeNewFile } from './new-file.ts';

const ROOT = join(import.meta.dirname, '../..');
const fx = (name: string) => join(ROOT, 'public/fixtures', name);
const dir = mkdtempSync(join(tmpdir(), 'new-file-test-'));
afterAll(() => {
  if (mounted) spawnSync('umount', [full]);
  rmSync(dir, { recursive: true, force: true });
});

const cli = async (...args: string[]) => {
  let err = '';
  const code = await main(args, () => {}, (s) => (err += s));
  return { code, err };
};

// A 64 KiB file system: the real "no space left" of a full disk (needs root to mount; skipped otherwise).
const full = join(dir, 'full');
mkdirSync(full);
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]).status === 0;

describe('outputs appear whole or not at all', () => {
  it('a fill that fails leaves neither the output nor its partial file', async () => {
    const d = mkdtempSync(join(dir, 'fail-'));
    await expect(writeNewFile(join(d, 'out'), async (write) => {
      await write(new Uint8Array(1000));
      throw new Error('read failed');
    })).rejects.toThrow('read failed');
    expect(readdirSync(d)).toEqual([]);
  });

  it('an output made meanwhile is not replaced', async () => {
    const d = mkdtempSync(join(dir, 'race-'));
    const out = join(d, 'out');
    await expect(writeNewFile(out, async (write) => {
      writeFileSync(out, 'theirs');
      await write(new Uint8Array(10));
    })).rejects.toThrow(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe('theirs');
    expect(readdirSync(d)).toEqual(['out']);
  });

  it('an output that cannot be made is named as given, not by its hidden partial file', async () => {
    const d = mkdtempSync(join(dir, 'slash-'));
    const r = await cli('set', fx('pc-devstate.bin'), '-o', join(d, 'out/'));
    expect(r).toEqual({ code: 1, err: `vmstate-explorer: ${join(d, 'out/')}: not a directory\n` });
    expect(readdirSync(d)).toEqual([]);
  });

  it.runIf(mounted)('extract and set on a full disk: one line naming the output, nothing left', async () => {
    const e = await cli('extract', fx('libvirt/raw.sav'), '-o', join(full, 'stream.bin'));
    expect(e).toEqual({ code: 1, err: `vmstate-explorer: ${join(full, 'stream.bin')}: no space left on device\n` });
    const s = await cli('set', fx('pc-devstate.bin'), 'timer (0)/cpu_ticks_offset=5', '-o', join(full, 'out.bin'));
    expect(s).toEqual({ code: 1, err: `vmstate-explorer: ${join(full, 'out.bin')}: no space left on device\n` });
    expect(readdirSync(full)).toEqual([]);
  });

  it.runIf(mounted)('set whose patch does not fit writes neither the patch nor OUT', async () => {
    spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'filler')}`, 'bs=1k', 'count=128']);
    try {
      const out = join(dir, 'edited.bin');
      const s = await cli('set', fx('pc-devstate.bin'), 'timer (0)/cpu_ticks_offset=5', '-o', out, '--save-patch', join(full, 'p.json'));
      expect(s.err).toBe(`vmstate-explorer: ${join(full, 'p.json')}: no space left on device\n`);
      expect([s.code, existsSync(out), readdirSync(full)]).toEqual([1, false, ['filler']]);
    } finally {
      rmSync(join(full, 'filler'));
    }
  });

  it('Ctrl+C while an output is written removes its partial file and exits 130', async () => {
    const d = mkdtempSync(join(dir, 'sigint-'));
    writeFileSync(join(dir, 'child.mts'), `import { writeNewFile } from ${JSON.stringify(join(import.meta.dirname, 'new-file.ts'))};
await writeNewFile(process.argv[2], async (write) => {
  await write(new Uint8Array(4096));
  process.stdout.write('writing\\n');
  await new Promise(() => setInterval(() => {}, 1000));
});
`);
    const child = spawn('node', [join(ROOT, 'bin/tsx-run.js'), join(dir, 'child.mts'), join(d, 'out')], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(readdirSync(d).filter((n) => n.startsWith('.out.partial-'))).toHaveLength(1);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, readdirSync(d)]).toEqual([130, []]);
  }, 30_000);
});
