// The CLI as a user runs it: `node bin/vmstate-explorer.js ...` after npm ci.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';

const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const fx = (f: string) => join(FIXTURE_DIR, f);
const dir = mkdtempSync(join(tmpdir(), 'vmstate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });

describe('vmstate-explorer CLI', { timeout: 60_000 }, () => {
  // The compiled CLI reads the libraries from dist-cli/library.pack, by name; run from source, it
  // parses every library (library-files.ts). Files without a description of their own come out the same.
  it.each(['virt-devstate.bin', 'pc-devstate.bin', 'heldout/qemu-11.1/s390-ccw-virtio-devstate.bin.gz'])('inspect --json %s with the packed libraries = with every library parsed', async (name) => {
    const { main } = await import('./main.ts');
    let bytes: Uint8Array = readFileSync(fx(name));
    if (name.endsWith('.gz')) bytes = gunzipSync(bytes);
    const file = join(dir, name.replaceAll('/', '_').replace(/\.gz$/, ''));
    writeFileSync(file, bytes);
    let text = '';
    expect(await main(['inspect', '--json', file], (s) => (text += s), () => {})).toBe(0);
    const r = run('inspect', '--json', file);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).sections.filter((s: { decoded_by?: string }) => s.decoded_by === 'bundled').length).toBeGreaterThan(5);
    expect(r.stdout).toBe(text);
  });

  // The table skips the likely-version step (scan.ts ScanOptions.versions): the same table as the
  // whole scan's model printed, on files decoded by the bundled libraries, where that step runs.
  it.each(['virt-devstate.bin', 'pc-devstate.bin'])('inspect %s (table) = the table of the scan with likely versions', async (name) => {
    const [{ fileSource }, { diskLibrary }, { scanStream }, { printTable }] = await Promise.all([import('./node-source.ts'), import('./library-files.ts'), import('../format/scan.ts'), import('./print.ts')]);
    const src = await fileSource(fx(name));
    const { model } = await scanStream(src, { library: await diskLibrary() });
    await src.close();
    expect(model.likelyQemu?.length).toBeGreaterThan(0);
    const r = run('inspect', fx(name));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(printTable(model));
  });

  it('inspect prints the section table', () => {
    const r = run('inspect', fx('q35-migration.bin'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^migration \(pc-q35-7\.2\)/);
    expect(r.stdout).toMatch(/\bstart\s+\d+\s+ram\s+0\s+4\s+0x/);
    expect(r.stdout).toMatch(/full\s+\d+\s+cpu\s+0\s+12\s+0x[0-9a-f]+\s+\d+\s+vmdesc\s+ok/);
  });

  it('inspect --json gives every section with its field tree, and paths that set accepts', () => {
    const m = JSON.parse(run('inspect', fx('pc-devstate.bin'), '--json', '--vmdesc', fx('pc-migration.bin')).stdout);
    const timer = m.sections.find((s: { idstr?: string }) => s.idstr === 'timer');
    expect(timer).toMatchObject({ type: 'full', section_id: 0, instance_id: 0, version_id: 2, offset: 8, size: 48, decoded_by: 'supplied' });
    expect(timer.fields[0]).toMatchObject({ name: 'cpu_ticks_offset', path: 'timer (0)/cpu_ticks_offset', type: 'int64', offset: 27, size: 8 });
    const out = join(dir, 'ticks.bin');
    expect(run('set', fx('pc-devstate.bin'), 'timer (0)/cpu_ticks_offset=0x0102030405060708', '-o', out, '--vmdesc', fx('pc-migration.bin')).status).toBe(0);
    const a = readFileSync(fx('pc-devstate.bin'));
    const b = readFileSync(out);
    const diff = [...b].flatMap((x, i) => (x !== a[i] ? [i] : []));
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.every((i) => i >= 27 && i < 35)).toBe(true);
    expect([...b.subarray(27, 35)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('--format analyze prints the analyze-migration.py shape', () => {
    const r = run('inspect', fx('pc-ram-migration.bin'), '--format', 'analyze');
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)[0]).toMatch(/^ram \(\d+\)$/);
    expect(j[Object.keys(j)[0]]['section sizes']['pc.ram']).toBe('0x0000000001000000');
  });

  it('bad input: non-zero exit and one line naming the byte offset', () => {
    const bad = join(dir, 'bad.bin');
    const good = readFileSync(fx('pc-devstate.bin'));
    writeFileSync(bad, good.subarray(0, 1000));
    const r = run('inspect', bad, '--json');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/at 0x[0-9a-f]+ \(\d+\)/);
    const notQemu = run('inspect', BIN, '--json');
    expect(notQemu.status).toBe(1);
    expect(notQemu.stderr).toMatch(/at 0x0 \(0\): Not a QEMU migration stream: the magic "QEVM"/);
  });

  it('set with no assignment writes a byte-identical copy; the original is never overwritten', () => {
    const out = join(dir, 'copy.bin');
    expect(run('set', fx('virt-migration.bin'), '-o', out).status).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(fx('virt-migration.bin')))).toBe(0);
    expect(run('set', fx('virt-migration.bin'), '-o', fx('virt-migration.bin')).status).toBe(2);
  });

  it('an existing -o or --save-patch target is refused in one line before any work, and left as it was', () => {
    const out = join(dir, 'exists.bin');
    writeFileSync(out, 'keep me');
    const r = run('set', fx('virt-migration.bin'), '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vmstate-explorer: ${out} already exists: the output is never overwritten; remove it or name another file\n`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const patch = run('set', fx('virt-migration.bin'), '-o', join(dir, 'fresh.bin'), '--save-patch', out);
    expect(patch.status).toBe(1);
    expect(patch.stderr).toMatch(/already exists: a patch file is never overwritten/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('a patch saved by set applies to another file of the same VM, and refuses a mismatch', () => {
    const patch = join(dir, 'p.json');
    expect(run('set', fx('pc-migration.bin'), 'cpu (1)/env.regs[1]=0x42', '-o', join(dir, 'p1.bin'), '--save-patch', patch).status).toBe(0);
    expect(JSON.parse(readFileSync(patch, 'utf8')).edits[0]).toMatchObject({ kind: 'field', path: 'cpu (1)/env.regs[1]', before: '0', after: '0x42' });
    const applied = run('apply', fx('pc-devstate.bin'), patch, '-o', join(dir, 'p2.bin'), '--vmdesc', fx('pc-migration.bin'));
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const again = run('apply', join(dir, 'p2.bin'), patch, '-o', join(dir, 'p3.bin'), '--vmdesc', fx('pc-migration.bin'));
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/the target holds 66, the patch expects 0/);
  });

  // qa10b: set on a cut file wrote OUT, as cut, with exit 0 and nothing said. The problem named is
  // the one `check` reports for the file; --force writes it, with that problem as a warning.
  it('set and apply on a cut file: refused naming its first problem, written with --force and a warning', () => {
    const cut = join(dir, 'cut-devstate.bin');
    writeFileSync(cut, readFileSync(fx('pc-devstate.bin')).subarray(0, 3000));
    const checked = run('check', cut);
    expect(checked.status).toBe(1);
    const problem = checked.stderr.split('\n')[0];
    expect(problem).toMatch(/^error at 0x[0-9a-f]+ \(\d+\): /);
    const out = join(dir, 'cut-out.bin');
    const r = run('set', cut, 'timer (0)/cpu_ticks_offset=1', '-o', out);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `vmstate-explorer: the input is damaged: ${problem}; the output would be damaged the same way (--force writes it anyway)\n`]);
    expect(existsSync(out)).toBe(false);
    const patch = join(dir, 'cut-patch.json');
    writeFileSync(patch, JSON.stringify({ format: 'vmstate-explorer-patch', version: 1, edits: [] }));
    expect(run('apply', cut, patch, '-o', out).stderr).toMatch(/^vmstate-explorer: the input is damaged: error at /);
    const forced = run('set', cut, 'timer (0)/cpu_ticks_offset=1', '-o', out, '--force');
    expect([forced.status, forced.stderr]).toEqual([0, `warning: the input is damaged: ${problem}\n`]);
    expect(readFileSync(out).length).toBe(3000);
  });

  // qa10b: a stream saved through gzip/xz/zstd (`migrate "exec:gzip -c > vm.gz"`) failed with "found
  // 1f 8b ...". The real compressors make the files; the command the hint gives, run as printed,
  // gives back the stream byte for byte, which inspects clean.
  it.each([['gzip', 'vm.gz'], ['xz', 'vm.xz'], ['zstd', 'vm.zst']])('a %s-compressed stream: refused with the command that decompresses it', (tool, name) => {
    const sub = mkdtempSync(join(dir, `${tool}-`));
    writeFileSync(join(sub, name), execFileSync(tool, ['-c', fx('pc-devstate.bin')], { maxBuffer: 64 << 20 }));
    for (const args of [['inspect', name], ['check', name], ['inspect', '--json', name], ['check', name, '--target', '10.0']]) {
      const r = spawnSync('node', [BIN, ...args], { cwd: sub, encoding: 'utf8' });
      expect([r.status, r.stdout], args.join(' ')).toEqual([1, args.includes('--target') ? r.stdout : '']);
      expect(r.stderr || r.stdout, args.join(' ')).toContain(`${name}: it is ${tool === 'xz' ? 'an' : 'a'} ${tool}-compressed file (as \`migrate "exec:${tool} -c > FILE"\` writes one), not a QEMU stream: decompress it first, \`${tool} -dc ${name} > vm.bin\`, and open that`);
    }
    const command = /`([a-z]+ -dc [^`]+)`/.exec(run('inspect', join(sub, name)).stderr)![1];
    expect(command).toBe(`${tool} -dc ${join(sub, name)} > ${join(sub, 'vm.bin')}`);
    execFileSync('sh', ['-c', command]);
    expect(Buffer.compare(readFileSync(join(sub, 'vm.bin')), readFileSync(fx('pc-devstate.bin')))).toBe(0);
    expect(run('check', join(sub, 'vm.bin')).status).toBe(0);
  });

  it('refuses an edit QEMU would reject, with the reason', () => {
    const r = run('set', fx('pc-devstate.bin'), '0000:00:00.0/I440FX (0)/parent_obj.irq_state[0]=5', '-o', join(dir, 'irq.bin'), '--vmdesc', fx('pc-migration.bin'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/must be 0 or 1/);
  });

  it.each([
    [['inspect', 'FILE', '--jsn'], 'unknown option --jsn'],
    [['inspect', 'FILE', '-x'], 'unknown option -x'],
    [['inspect', 'FILE', '--force'], 'inspect takes no option --force'],
    [['check', 'FILE', '--json'], 'check takes no option --json'],
    [['inspect', 'FILE', '--format'], 'option --format needs a value'],
    [['inspect', 'FILE', '--format', 'xml'], 'unknown --format xml (table, json or analyze)'],
    [['inspect', 'FILE', '--analyze-version', '10.0'], '--analyze-version goes with --format analyze'],
    [['inspect', 'FILE', '--json', '--analyze-version', '10.0'], '--analyze-version goes with --format analyze'],
    [['inspect', 'FILE', 'OTHER'], 'unexpected argument "OTHER" after inspect FILE'],
    [['inspect'], 'inspect needs FILE'],
    [['set', 'FILE', 'a=1'], 'set needs -o OUT'],
    [['frobnicate', 'FILE'], 'unknown command "frobnicate"'],
  ])('%j is a usage error with exit 2 and one line, before the file is touched', (args, message) => {
    const r = run(...args.map((a) => (a === 'FILE' ? fx('virt-devstate.bin') : a)));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.replace(fx('virt-devstate.bin'), 'FILE')).toBe(`vmstate-explorer: ${message} (see 'vmstate-explorer --help')\n`);
  });

  it('--version prints the package version; --help the usage, both with exit 0', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) expect(run(flag)).toMatchObject({ status: 0, stdout: `vmstate-explorer ${pkg.version}\n`, stderr: '' });
    expect(run('--help')).toMatchObject({ status: 0, stderr: '' });
    expect(run('--help').stdout).toMatch(/^usage:\n/);
  });

  it('a missing input file is one line naming it', () => {
    const r = run('inspect', join(dir, 'nope.bin'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vmstate-explorer: ${join(dir, 'nope.bin')}: no such file or directory\n`);
  });

  it('prints usage with exit 2', () => {
    const r = spawnSync('node', [BIN], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage:/);
    expect(execFileSync('node', [BIN, 'check', fx('q35-colo.bin')], { encoding: 'utf8' })).toMatch(/0 errors/);
  });

  // The compiled CLI lives in dist-cli/, one level below the checkout, not two as src/cli is: the
  // data it reads from public/ (libraries, compatibility targets) must be found from there too,
  // whatever the working directory.
  it('the compiled CLI finds its libraries and compatibility targets from any working directory', () => {
    const opts = { encoding: 'utf8' as const, cwd: tmpdir(), maxBuffer: 256 << 20 };
    const inspect = spawnSync('node', [BIN, 'inspect', '--json', fx('qemu10/pc-devstate.bin')], opts);
    expect(inspect.status, inspect.stderr).toBe(0);
    const model = JSON.parse(inspect.stdout) as { likely_qemu?: string[]; sections: { described_by?: string }[] };
    // QEMU 10.0's layouts come only from the packed 10.0 library in public/library.
    expect(model.sections.some((r) => r.described_by?.includes('QEMU 10.0, '))).toBe(true);
    expect(model.likely_qemu).toContain('10.0');
    const check = spawnSync('node', [BIN, 'check', fx('pc-devstate.bin'), '--target', '10.0'], opts);
    expect(check.stderr).not.toMatch(/no such file/);
    expect(check.stdout).toMatch(/pc-i440fx-10\.0/);
  });

  // qa10: a pipe reports size 0: `inspect <(cat FILE)` printed an empty, INCOMPLETE table with
  // exit 0 (a silently wrong answer); a directory gave "EISDIR: illegal operation ..., read".
  it('refuses a pipe and a directory in one line naming them', () => {
    const pipe = spawnSync('bash', ['-c', 'node "$0" inspect <(cat "$1")', BIN, fx('pc-devstate.bin')], { encoding: 'utf8' });
    expect([pipe.status, pipe.stdout]).toEqual([1, '']);
    expect(pipe.stderr).toMatch(/^vmstate-explorer: \/dev\/fd\/\d+: not a regular file \(a pipe or device\): files are read by offset, in slices, so give a file on disk\n$/);
    for (const args of [['inspect', dir], ['check', dir, '--target', '7.2'], ['ram', dir, '-o', join(dir, 'ram')]]) {
      const r = run(...args);
      expect([r.status, r.stderr], args.join(' ')).toEqual([1, `vmstate-explorer: ${dir}: is a directory, not a file\n`]);
    }
    expect(run('diff', fx('pc-devstate.bin'), dir).stderr).toBe(`vmstate-explorer: ${dir}: is a directory, not a file\n`);
    // A named pipe no one writes to: refused at once (opening it waited for a writer forever).
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const r = spawnSync('node', [BIN, 'inspect', fifo], { encoding: 'utf8', timeout: 20_000 });
    expect([r.status, r.stderr]).toEqual([1, `vmstate-explorer: ${fifo}: not a regular file (a pipe or device): files are read by offset, in slices, so give a file on disk\n`]);
  });

  // qa10: set on a disk-only snapshot said 'no field "timer (0)/cpu_ticks_offset"', as if the path were wrong.
  it('set on a snapshot without VM state gives the image\'s reason and writes nothing', () => {
    const image = join(dir, 'pc-v3.qcow2');
    writeFileSync(image, gunzipSync(readFileSync(fx('qcow2/pc-v3.qcow2.gz'))));
    const out = join(dir, 'disk-only-edited.qcow2');
    const r = run('set', `${image}@disk-only`, 'timer (0)/cpu_ticks_offset=1', '-o', out);
    expect([r.status, r.stderr]).toEqual([1, 'vmstate-explorer: error at 0x170090 (1507472): Bad save image: snapshot "disk-only" is disk-only: it holds no VM state\n']);
    expect(existsSync(out)).toBe(false);
  });
});

