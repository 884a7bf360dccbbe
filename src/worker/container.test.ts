// The worker opens libvirt save images (real libvirt 9.0 fixtures) as the stream inside them:
// the same model as the bare stream, container records beside it, downloads that put the
// container back (byte-identical unedited), XML and was_running changes as libvirt allows them.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { readLibvirt } from '../format/container/libvirt.ts';
import { scanStream } from '../format/scan.ts';
import { bundledLibrary } from '../format/library.ts';
import { libvirtFixture } from '../format/testing/libvirt-fixtures.ts';
import type { EditReply, OpenedFile } from './protocol.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const open = (s: Session, name: string, bytes: Uint8Array) => ask(s, { type: 'open', file: new Blob([bytes as Uint8Array<ArrayBuffer>]), name });
const bytesOf = async (b: Blob) => new Uint8Array(await b.arrayBuffer());
const streamStart = (bytes: Uint8Array) => 92 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(20, true);
async function download(s: Session, f: OpenedFile, compressed?: 'keep' | 'raw') {
  const r = await ask(s, { type: 'download', generation: f.generation, compressed });
  if (!r.ok) throw new Error(r.reasons.join('; '));
  return { bytes: await bytesOf(r.blob), notes: r.notes ?? [] };
}
function applied(r: EditReply): OpenedFile {
  if (r.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(r)}`);
  return r.file;
}

describe('libvirt save images in the worker', { timeout: 60_000 }, () => {
  it.each(['raw.sav', 'gzip.sav'])('%s opens with the model of the bare stream and the container records', async (name) => {
    const image = libvirtFixture(name);
    const s = new Session();
    const f = await open(s, name, image);
    const raw = libvirtFixture('raw.sav');
    const bare = (await scanStream(memorySource(name === 'raw.sav' ? raw.subarray(streamStart(raw)) : (await download(s, f, 'raw')).bytes.subarray(streamStart(image))), { library: bundledLibrary() })).model;
    expect(f.model).toEqual(bare);
    expect(f.container!.records.map((r) => r.kind)).toEqual(['container-header', 'xml', 'cookie', 'padding', 'stream']);
    expect(f.container!.inner.codec).toBe(name === 'raw.sav' ? 'raw' : 'gzip');
    expect(f.container!.streamSize).toBe(f.model.fileSize);
  });

  it('an unedited raw image downloads byte-identical; gzip re-compresses to the same stream', async () => {
    const s = new Session();
    const raw = libvirtFixture('raw.sav');
    const d = await download(s, await open(s, 'raw.sav', raw));
    expect(Buffer.from(d.bytes).equals(Buffer.from(raw))).toBe(true);
    const gz = libvirtFixture('gzip.sav');
    const g = await download(s, await open(s, 'gzip.sav', gz), 'keep');
    expect(Buffer.from(g.bytes.subarray(0, streamStart(gz))).equals(Buffer.from(gz.subarray(0, streamStart(gz))))).toBe(true);
    expect(Buffer.from(gunzipSync(g.bytes.subarray(streamStart(gz)))).equals(gunzipSync(gz.subarray(streamStart(gz))))).toBe(true);
    expect(g.notes[0]).toMatch(/compressed again with gzip/);
  });

  it('edits a register, the XML and was_running; a gzip image downloads raw with a note', async () => {
    const s = new Session();
    const gz = libvirtFixture('gzip.sav');
    const f0 = await open(s, 'gzip.sav', gz);
    const f1 = applied(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'field', path: 'cpu (0)/env.regs[0]', value: '0x1234abcd' }, force: false }));
    const xml = f1.container!.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>edited in the page</description>');
    await ask(s, { type: 'container-edit', generation: f1.generation, change: { xml } });
    // A second change adds to the first (the page toggles was_running after editing the XML).
    const f2 = await ask(s, { type: 'container-edit', generation: f1.generation, change: { wasRunning: true } });
    expect(f2.containerEdited).toBe(true);
    expect(f2.container!.libvirt!.xml).toBe(xml);
    expect(f2.container!.records[0].fields!.find((x) => x.name === 'was_running')!.value).toBe(true);
    const d = await download(s, f2, 'raw');
    expect(d.notes[0]).toMatch(/^written as a raw image \(compressed = 0\)/);
    const back = (await readLibvirt(memorySource(d.bytes)))!;
    expect(back.problems).toEqual([]);
    expect(back).toMatchObject({ inner: { codec: 'raw' }, libvirt: { xml, header: { wasRunning: 1, format: 0 } } });
    const s2 = new Session();
    const reopened = await open(s2, 'x.sav', d.bytes);
    const reg = (await scanStream(memorySource(d.bytes.subarray(back.inner.offset)), { library: bundledLibrary() })).model;
    expect(reopened.model).toEqual(reg);
    expect(JSON.stringify(reg)).toContain('"path":"cpu (0)/env.regs[0]","kind":"leaf","type":"uint64"');
  });

  it('refuses XML larger than the reserved room, and a container edit on a bare stream', async () => {
    const s = new Session();
    const f = await open(s, 'raw.sav', libvirtFixture('raw.sav'));
    await expect(ask(s, { type: 'container-edit', generation: f.generation, change: { xml: 'x'.repeat(70_000) } })).rejects.toThrow(/reserves \d+ \(data_len\) and the stream after it cannot move/);
    const bare = libvirtFixture('raw.sav');
    const g = await open(s, 'bare.bin', bare.subarray(streamStart(bare)));
    expect(g.container).toBeUndefined();
    await expect(ask(s, { type: 'container-edit', generation: g.generation, change: { wasRunning: true } })).rejects.toThrow(/bare QEMU stream/);
  });
});
