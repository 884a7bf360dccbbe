// The CLI on libvirt save images made by real libvirt 9.0: each opens with the same sections and
// field values as the bare stream `extract` writes, unedited output is byte-identical, and bad
// compressed input (truncated, a bomb) ends with a problem naming its offset.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { libvirtFixture, recompressedImage, streamStart } from '../format/testing/libvirt-fixtures.ts';

const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-libvirt-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
/** The fixture as a file (the raw variants are committed gzipped). */
/** zstd.sav is raw.sav compressed by the real zstd: libvirt 9.0 refuses save_image_format zstd. */
const bytesOf = (name: string) => (name === 'zstd.sav' ? recompressedImage('zstd') : libvirtFixture(name));
const image = (name: string) => {
  const path = join(dir, name.replace(/\.gz$/, ''));
  writeFileSync(path, bytesOf(name));
  return path;
};

const COMPRESSED = ['gzip.sav', 'bzip2.sav', 'xz.sav', 'lzop.sav', 'zstd.sav'];
const SUPPORTED = ['raw.sav', ...COMPRESSED, 'running.sav.gz', 'xml.sav.gz', 'defined.sav.gz', 'managed.sav.gz'];
/** The real decompressor of each codec: the oracle for `extract`. */
const UNPACK: Record<string, string[]> = { 'gzip.sav': ['gzip', '-dc'], 'bzip2.sav': ['bzip2', '-dc'], 'xz.sav': ['xz', '-dc'], 'lzop.sav': ['lzop', '-dc'], 'zstd.sav': ['zstd', '-qdc'] };

describe('CLI on libvirt save images', { timeout: 60_000 }, () => {
  it.each(SUPPORTED)('%s: inspect --json equals the extracted bare stream, field for field', (name) => {
    const file = image(name);
    const stream = join(dir, `${name}.stream`);
    const ex = run('extract', file, '-o', stream);
    expect(ex.stderr).toBe('');
    expect(ex.status).toBe(0);
    expect(readFileSync(stream).subarray(0, 4).toString('latin1')).toBe('QEVM');
    const img = JSON.parse(run('inspect', file, '--json').stdout);
    const bare = JSON.parse(run('inspect', stream, '--json').stdout);
    expect(img.container.records.map((r: { kind: string }) => r.kind)).toEqual(['container-header', 'xml', 'cookie', 'padding', 'stream']);
    const { container, ...rest } = img;
    expect(rest).toEqual(bare);
    expect(bare.sections.filter((s: { idstr?: string }) => s.idstr === 'cpu').length).toBe(1);
    expect(container.stream_size).toBe(readFileSync(stream).length);
  });

  it.each(COMPRESSED)('%s: extract writes what the real decompressor gives', (name) => {
    const bytes = bytesOf(name);
    const stream = join(dir, `${name}.real`);
    expect(run('extract', image(name), '-o', stream).status).toBe(0);
    const [cmd, ...args] = UNPACK[name];
    const real = spawnSync(cmd, args, { input: bytes.subarray(streamStart(bytes)), maxBuffer: 1 << 30 });
    expect(real.status).toBe(0);
    expect(readFileSync(stream).equals(real.stdout)).toBe(true);
  });

  it.each(COMPRESSED)('%s cut short: a truncation problem at the end of the file, the sections before it kept', (name) => {
    const whole = bytesOf(name);
    const end = streamStart(whole) + Math.floor((whole.length - streamStart(whole)) * 0.6);
    const cut = join(dir, `cut-${name}`);
    writeFileSync(cut, whole.subarray(0, end));
    const r = run('inspect', cut, '--json');
    expect(r.status).toBe(1);
    const m = JSON.parse(r.stdout);
    expect(m.container.problems[0]).toMatchObject({ code: 'truncated', offset: end });
    expect(m.container.problems[0].message).toMatch(/stream offset \d+/);
    // bzip2 inverts a whole block (900 kB) at once, and this stream is a single block: nothing
    // of a cut block can be decoded. The others keep what came before the cut.
    if (name === 'bzip2.sav') expect(m.sections).toEqual([]);
    else expect(m.sections.length).toBeGreaterThan(3);
  });

  it('a compressed value the data contradicts (xz data, compressed=4 lzop): a problem at the stream, decoded as what it is', () => {
    const bytes = libvirtFixture('xz.sav').slice();
    new DataView(bytes.buffer).setUint32(28, 4, true);
    const file = join(dir, 'xz-says-lzop.sav');
    writeFileSync(file, bytes);
    const m = JSON.parse(run('inspect', file, '--json').stdout);
    expect(m.container.problems[0]).toMatchObject({ code: 'bad-container', offset: streamStart(bytes) });
    expect(m.container.problems[0].message).toMatch(/lzop data as compressed=4 says; found xz data/);
    const { container, ...rest } = m;
    const bare = join(dir, 'xz.stream');
    run('extract', image('xz.sav'), '-o', bare);
    expect(rest).toEqual(JSON.parse(run('inspect', bare, '--json').stdout));
  });

  it('garbage where compressed=2 (bzip2) expects data: a problem at the stream\'s first byte, the container kept', () => {
    const bytes = libvirtFixture('bzip2.sav').slice();
    const at = streamStart(bytes);
    bytes.fill(0x41, at, at + 64);
    const file = join(dir, 'bz-garbage.sav');
    writeFileSync(file, bytes);
    const r = run('inspect', file, '--json');
    const m = JSON.parse(r.stdout);
    expect(m.container.problems.map((p: { offset: number }) => p.offset)).toContain(at);
    expect(m.container.records.map((x: { kind: string }) => x.kind)).toEqual(['container-header', 'xml', 'cookie', 'padding', 'stream']);
  });

  it('xml prints the domain XML; inspect shows the container records with file offsets', () => {
    const xml = run('xml', image('xml.sav.gz'));
    expect(xml.status).toBe(0);
    expect(xml.stdout).toMatch(/^<domain type='qemu'>[\s\S]*<description>saved with virsh save --xml<\/description>/);
    const table = run('inspect', image('raw.sav')).stdout;
    expect(table).toMatch(/^libvirt save image, 368724 bytes, version 2 \(little-endian\), was_running 0, compressed raw/);
    expect(table).toMatch(/QEMU migration stream\s+0x104b3\s+301985\s+ok/);
    expect(table).toMatch(/file offset = stream offset \+ 0x104b3/);
  });

  it('set with no assignment writes a byte-identical raw image', () => {
    const out = join(dir, 'copy.sav');
    expect(run('set', image('raw.sav'), '-o', out).status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'raw.sav')))).toBe(true);
  });

  it('a compressed image is written raw (compressed=0) with a note, the same stream inside', () => {
    const out = join(dir, 'gzip-as-raw.sav');
    const r = run('set', image('gzip.sav'), '-o', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^note: the gzip image is written as a raw image \(compressed changed from gzip \(1\) to raw \(0\)\)/);
    const back = JSON.parse(run('inspect', out, '--json').stdout);
    expect(back.container).toMatchObject({ codec: 'raw', header: { format: 0 } });
    const ex = join(dir, 'gz.stream');
    run('extract', image('gzip.sav'), '-o', ex);
    const { container, ...rest } = back;
    expect(rest).toEqual(JSON.parse(run('inspect', ex, '--json').stdout));
  });

  it('a truncated gzip stream: a problem at the end of the file, the sections before it kept', () => {
    const whole = libvirtFixture('gzip.sav');
    const cut = join(dir, 'cut.sav');
    writeFileSync(cut, whole.subarray(0, whole.length - 40_000));
    const r = run('inspect', cut, '--json');
    expect(r.status).toBe(1);
    const m = JSON.parse(r.stdout);
    expect(m.container.problems[0]).toMatchObject({ code: 'truncated', offset: whole.length - 40_000 });
    expect(m.sections.length).toBeGreaterThan(3);
    expect(r.stderr).toMatch(new RegExp(`^vmstate-explorer: error at 0x${(whole.length - 40_000).toString(16)} .*Unexpected end of file: the rest of the gzip stream`));
  });

  it('a decompression bomb stops at a thousandfold expansion with a problem', () => {
    const raw = libvirtFixture('raw.sav');
    const start = 92 + new DataView(raw.buffer, raw.byteOffset).getUint32(20, true);
    const bomb = gzipSync(Buffer.concat([raw.subarray(start, start + 1000), Buffer.alloc(100 << 20)]), { level: 9 });
    const head = Buffer.from(raw.subarray(0, start));
    head.writeUInt32LE(1, 28);
    const file = join(dir, 'bomb.sav');
    writeFileSync(file, Buffer.concat([head, bomb]));
    const r = run('check', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/A size limit was exceeded: at most 1000 times expansion/);
  });

  // qa10: a header cut short left no stream, and `check` added "Not a QEMU migration stream ...
  // found an empty file" for it, under a count ("1 errors") that left the image's own error out.
  it('check of an image whose header is cut: its error alone, counted', () => {
    const path = join(dir, 'cut-header.sav');
    writeFileSync(path, bytesOf('raw.sav').subarray(0, 1000));
    const r = run('check', path);
    expect([r.status, r.stderr]).toEqual([1, 'error at 0x14 (20): Unexpected end of file: data_len 66647 bytes of XML after the header, but the file ends at 1000 ("failed to read domain XML")\n']);
    expect(r.stdout).toBe(`${path}: 0 records, 1 errors, 0 warnings\n`);
  });

  // qa10b: set on a cut image wrote OUT with exit 0 and nothing said; the problem named is the one
  // `check` reports (an offset in the stream inside the image).
  it('set on an image whose stream is cut: refused naming the problem, written with --force and a warning', () => {
    const path = join(dir, 'cut-stream.sav');
    writeFileSync(path, bytesOf('raw.sav').subarray(0, 200_000));
    const problem = run('check', path).stderr.split('\n')[0];
    expect(problem).toMatch(/^error at 0x[0-9a-f]+ \(\d+\): Unexpected end of file/);
    const out = join(dir, 'cut-stream-out.sav');
    const r = run('set', path, 'libvirt/was_running=0', '-o', out);
    expect([r.status, r.stderr]).toEqual([1, `vmstate-explorer: the input's QEMU stream is damaged: ${problem}; the output would be damaged the same way (--force writes it anyway)\n`]);
    const forced = run('set', path, 'libvirt/was_running=0', '-o', out, '--force');
    expect([forced.status, forced.stderr]).toEqual([0, `warning: the input's QEMU stream is damaged: ${problem}\n`]);
  });

  // qa10b: diff compared the streams alone, so two images libvirt restores differently were "equal".
  // The edits are made by the CLI's own set; the real libvirt's `save --running` and `save --xml`
  // images give the same lines beside their other differences.
  it('diff of two save images reports was_running and the domain XML, exit 1 when only they differ', () => {
    const raw = image('raw.sav');
    const running = join(dir, 'diff-running.sav');
    const xmlFile = join(dir, 'diff-other.xml');
    const other = join(dir, 'diff-xml.sav');
    expect(run('set', raw, 'libvirt/was_running=1', '-o', running).status).toBe(0);
    const xml = run('xml', raw).stdout;
    expect(xml).toMatch(/<memory unit='KiB'>32768<\/memory>/);
    writeFileSync(xmlFile, xml.replace(/<memory unit='KiB'>32768</, "<memory unit='KiB'>65536<"));
    expect(run('set', raw, `libvirt/xml=@${xmlFile}`, '-o', other).status).toBe(0);
    const byRunning = run('diff', raw, running);
    expect([byRunning.status, byRunning.stdout.split('\n').slice(0, -2)]).toEqual([1, ['libvirt/was_running: false -> true']]);
    expect(byRunning.stdout).toMatch(/; libvirt: 1 difference\(s\)\n$/);
    // The summary's first word follows the exit code: it read "equal:" beside exit 1 (devices only).
    expect(byRunning.stdout).toMatch(/^differ: 0 changed, .*; libvirt: 1 difference\(s\)\n$/m);
    expect(run('diff', raw, raw).stdout).toMatch(/^equal: 0 changed, /m);
    const byXml = run('diff', raw, other, '--json');
    expect(byXml.status).toBe(1);
    const at = xml.split('\n').findIndex((l) => l.includes('<memory')) + 1;
    const hunks = [{ leftLine: at, rightLine: at, removed: ["  <memory unit='KiB'>32768</memory>"], added: ["  <memory unit='KiB'>65536</memory>"] }];
    expect(JSON.parse(byXml.stdout).container).toEqual([{ path: 'libvirt/xml', left: "<memory unit='KiB'>32768</memory>", right: "<memory unit='KiB'>65536</memory>", line: at, lines: 1, hunks }]);
    // The text names the first change on one line, then prints the changed lines as diff -U0 does.
    const xmlText = run('diff', raw, other, '--no-ram').stdout.split('\n');
    const first = xmlText.findIndex((l) => l.startsWith('libvirt/xml: '));
    expect(xmlText.slice(first, first + 4)).toEqual([`libvirt/xml: line ${at}: <memory unit='KiB'>32768</memory> -> <memory unit='KiB'>65536</memory>`, `  @@ -${at} +${at} @@`, "  -  <memory unit='KiB'>32768</memory>", "  +  <memory unit='KiB'>65536</memory>"]);
    expect(run('diff', raw, running, '--ignore', 'libvirt/was_running').status).toBe(0);
    expect(JSON.parse(run('diff', raw, raw, '--json').stdout).container).toEqual([]);
    expect(run('diff', raw, image('running.sav.gz'), '--no-ram').stdout).toMatch(/^libvirt\/was_running: false -> true$/m);
    expect(run('diff', raw, image('xml.sav.gz'), '--no-ram').stdout).toMatch(/^libvirt\/xml: line \d+: <description>vmstate-explorer fixture guest<\/description> -> <description>saved with virsh save --xml<\/description>$/m);
  });

  // qa10: `xml` of an xl or qcow2 image exited 1 with nothing printed.
  it('xml of an xl or qcow2 image says it has no domain XML', async () => {
    const { gunzipSync } = await import('node:zlib');
    for (const [gz, kind] of [['xl/pc-xl.save.gz', 'an xl'], ['qcow2/pc-v3.qcow2.gz', 'a qcow2']]) {
      const path = join(dir, gz.split('/')[1].replace(/\.gz$/, ''));
      writeFileSync(path, gunzipSync(readFileSync(join(import.meta.dirname, '../../public/fixtures', gz))));
      const r = run('xml', path);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `vmstate-explorer: ${path} is ${kind} image, not a libvirt save image: it has no domain XML (see 'vmstate-explorer --help')\n`]);
    }
  });

  // qa10: --vmdesc IMAGE.sav read the image's own bytes as JSON ("UTF-8 text ...; found byte 0x80").
  it('--vmdesc takes the description of the stream inside a save image', () => {
    const stream = join(dir, 'vmdesc-source.stream');
    expect(run('extract', image('raw.sav'), '-o', stream).status).toBe(0);
    const devstate = join(import.meta.dirname, '../../public/fixtures/pc-devstate.bin');
    const byStream = run('inspect', '--json', devstate, '--vmdesc', stream);
    for (const name of ['raw.sav', 'xz.sav']) {
      const r = run('inspect', '--json', devstate, '--vmdesc', image(name));
      expect(r.stderr, name).toBe(byStream.stderr);
      expect(r.stdout, name).toBe(byStream.stdout);
    }
    expect(byStream.stdout).toMatch(/"decoded_by": "supplied"/);
  });
});

