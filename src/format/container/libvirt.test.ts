// The libvirt container reader on images made by real libvirt 9.0 (scripts/libvirt/make-fixtures.sh)
// and on hand-made variants of them, one rule each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { FIXTURE_DIR } from '../testing/fixtures.ts';
import { libvirtFixture } from '../testing/libvirt-fixtures.ts';
import { decodeLibvirtHeader, encodeLibvirtHeader, readLibvirt } from './libvirt.ts';
import { libvirtPrefix } from './libvirt-edit.ts';
import { sniffContainer } from './sniff.ts';

const ALL = ['raw.sav', 'gzip.sav', 'bzip2.sav', 'xz.sav', 'lzop.sav', 'running.sav.gz', 'xml.sav.gz', 'defined.sav.gz', 'managed.sav.gz'];
const read = (bytes: Uint8Array) => readLibvirt(memorySource(bytes));
const edited = (bytes: Uint8Array, fn: (b: Uint8Array, v: DataView) => void) => {
  const copy = bytes.slice();
  fn(copy, new DataView(copy.buffer));
  return copy;
};

describe('libvirt save images (real libvirt 9.0)', () => {
  it.each(ALL)('%s: records cover every byte, XML and cookie read, stream found', async (name) => {
    const bytes = libvirtFixture(name);
    const info = (await read(bytes))!;
    expect(info.problems).toEqual([]);
    let at = 0;
    for (const r of info.records) {
      expect(r.offset).toBe(at);
      at += r.size;
    }
    expect(at).toBe(bytes.length);
    expect(info.libvirt!.xml).toMatch(/^<domain type='qemu'>[\s\S]*<\/domain>\n?$/);
    expect(info.libvirt!.cookie).toMatch(/^<cookie>[\s\S]*<\/cookie>\n?$/);
    expect(info.inner.offset).toBe(92 + info.libvirt!.header.dataLen);
    expect(info.inner.codec).toBe(name.replace(/\.sav(\.gz)?$/, '').replace(/^(running|xml|defined|managed)$/, 'raw'));
    if (info.inner.codec === 'raw') expect(String.fromCharCode(...bytes.subarray(info.inner.offset, info.inner.offset + 4))).toBe('QEVM');
  });

  it('decodes the header fields, and the flags virsh sets', async () => {
    const raw = (await read(libvirtFixture('raw.sav')))!;
    expect(raw.libvirt!.header).toMatchObject({ magic: 'LibvirtQemudSave', complete: true, littleEndian: true, version: 2, wasRunning: 0, format: 0 });
    expect(raw.records[0].fields!.find((f) => f.name === 'was_running')!.value).toBe(false);
    expect(raw.records[0].fields!.find((f) => f.name === 'compressed')!.value).toBe('raw (0)');
    expect((await read(libvirtFixture('running.sav.gz')))!.libvirt!.header.wasRunning).toBe(1);
    expect((await read(libvirtFixture('xml.sav.gz')))!.libvirt!.xml).toContain('<description>saved with virsh save --xml</description>');
    const defined = (await read(libvirtFixture('defined.sav.gz')))!;
    expect(defined.libvirt!.xml).toContain('<description>redefined by virsh save-image-define</description>');
    // save-image-define rewrites the XML in the same data_len: the stream does not move.
    expect(defined.inner.offset).toBe(raw.inner.offset);
    expect((await read(libvirtFixture('xz.sav')))!.records[0].fields!.find((f) => f.name === 'compressed')!.value).toBe('xz (3)');
  });

  it('returns null for a bare stream', async () => {
    expect(await sniffContainer(memorySource(readFileSync(join(FIXTURE_DIR, 'pc-devstate.bin'))))).toBeNull();
  });

  it('reads a big-endian header (the version word tells the byte order)', async () => {
    const bytes = libvirtFixture('raw.sav');
    const h = decodeLibvirtHeader(bytes.subarray(0, 92));
    const be = edited(bytes, (b) => b.set(encodeLibvirtHeader({ ...h, littleEndian: false })));
    expect(be[19]).toBe(2);
    const info = (await read(be))!;
    expect(info.libvirt!.header).toMatchObject({ ...h, littleEndian: false });
    expect(info.problems).toEqual([]);
  });

  it('reports an incomplete (LibvirtQemudPart) image and still reads it', async () => {
    const part = edited(libvirtFixture('raw.sav'), (b) => b.set(new TextEncoder().encode('Part'), 12));
    const info = (await read(part))!;
    expect(info.problems.map((p) => [p.code, p.offset])).toEqual([['incomplete-image', 0]]);
    expect(info.inner.codec).toBe('raw');
    expect(info.libvirt!.xml).toContain('<domain');
  });

  it('reports a data_len past the end of the file at its offset', async () => {
    const bytes = libvirtFixture('raw.sav');
    const info = (await read(edited(bytes, (_, v) => v.setUint32(20, bytes.length, true))))!;
    expect(info.problems[0]).toMatchObject({ code: 'truncated', offset: 20 });
    expect(info.records.reduce((n, r) => n + r.size, 0)).toBe(bytes.length);
  });

  it('reports XML that is not NUL-terminated', async () => {
    const bytes = libvirtFixture('raw.sav');
    const info0 = (await read(bytes))!;
    const cookieOffset = info0.libvirt!.header.cookieOffset;
    const info = (await read(edited(bytes, (b) => b.fill(0x20, 92 + cookieOffset - 1, 92 + cookieOffset))))!;
    expect(info.problems[0]).toMatchObject({ code: 'bad-container', offset: 92 + cookieOffset - 1 });
  });

  it('reports a compressed value the data contradicts, and reads what the data is', async () => {
    const lie = edited(libvirtFixture('raw.sav'), (_, v) => v.setUint32(28, 1, true));
    const info = (await read(lie))!;
    expect(info.problems[0]).toMatchObject({ code: 'bad-container', offset: info.inner.offset });
    expect(info.problems[0].message).toMatch(/gzip data as compressed=1 says; found a raw QEMU stream/);
    expect(info.inner.codec).toBe('raw');
    const lie2 = edited(libvirtFixture('gzip.sav'), (_, v) => v.setUint32(28, 3, true));
    expect((await read(lie2))!.inner.codec).toBe('gzip');
  });

  it('rewrites the prefix: unchanged it is byte-identical; new XML within data_len; too large refused', async () => {
    for (const name of ['raw.sav', 'defined.sav.gz']) {
      const bytes = libvirtFixture(name);
      const info = (await read(bytes))!;
      const same = libvirtPrefix(info.libvirt!, {});
      expect(same.ok && Buffer.from(same.prefix).equals(Buffer.from(bytes.subarray(0, info.inner.offset)))).toBe(true);
    }
    const bytes = libvirtFixture('raw.sav');
    const info = (await read(bytes))!;
    const xml = info.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>a longer description, edited in place</description>');
    const r = libvirtPrefix(info.libvirt!, { xml, wasRunning: true });
    if (!r.ok) throw new Error(r.reason);
    const out = edited(bytes, (b) => b.set(r.prefix));
    const back = (await read(out))!;
    expect(back.problems).toEqual([]);
    expect(back.libvirt!.xml).toBe(xml);
    expect(back.libvirt!.cookie).toBe(info.libvirt!.cookie);
    expect(back.libvirt!.header.cookieOffset).toBe(info.libvirt!.header.cookieOffset + xml.length - info.libvirt!.xml.length);
    expect(back.libvirt!.header.wasRunning).toBe(1);
    const big = libvirtPrefix(info.libvirt!, { xml: 'x'.repeat(info.libvirt!.header.dataLen) });
    expect(big.ok ? '' : big.reason).toMatch(/reserves \d+ \(data_len\)/);
  });
});
