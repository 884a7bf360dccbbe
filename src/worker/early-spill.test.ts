// A compressed libvirt image's spill is opened as soon as its header declares a codec, while the
// sniff reads the XML (container-open.ts): it must be the one spill the decoding writes, and an
// image whose data turns out raw, or any other file, must leave no spill behind. The stand-in
// OPFS (testing/fake-opfs.ts) records the files made and removed; the oracles are real libvirt
// 9.0's images (gzip.sav, raw.sav) and the stream the real gzip program decompresses.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { libvirtFixture, streamStart } from '../format/testing/libvirt-fixtures.ts';
import { openContainer } from './container-open.ts';
import { fakeStorage } from './testing/fake-opfs.ts';

afterEach(() => vi.unstubAllGlobals());

const blob = (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]);

describe('the spill opened early for a compressed libvirt image', () => {
  it('gzip: one spill, holding the stream the real gzip gives, removed at close', async () => {
    const opfs = fakeStorage();
    const image = libvirtFixture('gzip.sav');
    const real = spawnSync('gzip', ['-dc'], { input: image.subarray(streamStart(image)), maxBuffer: 1 << 30 }).stdout;
    const opened = await openContainer(blob(image), { nested: false });
    expect(opened.info?.inner.codec).toBe('gzip');
    expect(Buffer.compare(new Uint8Array(await opened.inner.arrayBuffer()), real)).toBe(0);
    expect(opfs.created).toHaveLength(1);
    expect(opfs.removed).toEqual([]);
    await opened.close();
    expect(opfs.removed).toEqual(opfs.created);
  });

  it('a header declaring gzip over raw data: the early spill is removed, the stream is the raw bytes', async () => {
    const opfs = fakeStorage();
    const image = libvirtFixture('raw.sav').slice();
    new DataView(image.buffer).setUint32(28, 1, true);
    const opened = await openContainer(blob(image), { nested: false });
    expect(opened.info?.inner.codec).toBe('raw');
    expect(opened.info?.problems.map((p) => p.message).join('\n')).toMatch(/gzip/);
    expect(Buffer.compare(new Uint8Array(await opened.inner.arrayBuffer()), image.subarray(streamStart(image)))).toBe(0);
    expect(opfs.created).toHaveLength(1);
    expect(opfs.removed).toEqual(opfs.created);
  });

  it.each([['a raw libvirt image', () => libvirtFixture('raw.sav')], ['a bare QEMU stream', () => libvirtFixture('raw.sav').subarray(streamStart(libvirtFixture('raw.sav')))]])('%s makes no spill', async (_, bytes) => {
    const opfs = fakeStorage();
    await openContainer(blob(bytes()), { nested: false });
    expect(opfs.created).toEqual([]);
  });
});
