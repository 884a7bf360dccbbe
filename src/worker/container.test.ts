// The worker opens libvirt save images (real libvirt 9.0 fixtures) as the stream inside them:
// the same model as the bare stream, container records beside it, downloads that put the
// container back (byte-identical unedited), XML and was_running changes as libvirt allows them.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { readLibvirt } from '../format/container/libvirt.ts';
import { libvirtFixture } from '../format/testing/libvirt-fixtures.ts';
import type { EditReply, OpenedFile } from './protocol.ts';
import { memoryStorage } from './edit-storage.ts';
import { Session } from './session.ts';
import { ask, scanLikeWorker } from './test-support.ts';

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
    const bare = (await scanLikeWorker(name === 'raw.sav' ? raw.subarray(streamStart(raw)) : (await download(s, f, 'raw')).bytes.subarray(streamStart(image)))).model;
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

  const setXml = (s: Session, f: OpenedFile, xml: string) => ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'container', path: 'libvirt/xml', value: xml }, force: false });
  const setRunning = (s: Session, f: OpenedFile, on: boolean) => ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'container', path: 'libvirt/was_running', value: String(on) }, force: false });

  it('edits a register, the XML and was_running as ordinary edits; a gzip image downloads raw with a note', async () => {
    const s = new Session();
    const gz = libvirtFixture('gzip.sav');
    const f0 = await open(s, 'gzip.sav', gz);
    const f1 = applied(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'field', path: 'cpu (0)/env.regs[0]', value: '0x1234abcd' }, force: false }));
    const xml = f1.container!.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>edited in the page</description>');
    const f2 = applied(await setXml(s, f1, xml));
    const f3 = applied(await setRunning(s, f2, true));
    expect(f3.containerEdited).toBe(true);
    expect(f3.container!.libvirt!.xml).toBe(xml);
    expect(f3.container!.records[0].fields!.find((x) => x.name === 'was_running')!.value).toBe(true);
    // In the edit list like any edit, the stream's model untouched by them.
    expect(f3.edits.done.map((a) => a.parts.map((p) => [p.kind, p.path]))).toEqual([[['field', 'cpu (0)/env.regs[0]']], [['container', 'libvirt/xml']], [['container', 'libvirt/was_running']]]);
    expect(f3.edits.done[2].parts[0]).toMatchObject({ before: 'false', after: 'true' });
    expect(f3.model).toEqual(f1.model);
    const d = await download(s, f3, 'raw');
    expect(d.notes[0]).toMatch(/^written as a raw image \(compressed = 0\)/);
    const back = (await readLibvirt(memorySource(d.bytes)))!;
    expect(back.problems).toEqual([]);
    expect(back).toMatchObject({ inner: { codec: 'raw' }, libvirt: { xml, header: { wasRunning: 1, format: 0 } } });
    const s2 = new Session();
    const reopened = await open(s2, 'x.sav', d.bytes);
    const reg = (await scanLikeWorker(d.bytes.subarray(back.inner.offset))).model;
    expect(reopened.model).toEqual(reg);
    expect(JSON.stringify(reg)).toContain('"path":"cpu (0)/env.regs[0]","kind":"leaf","type":"uint64"');
  });

  it('undo and redo take container edits back and forth; a raw image downloads with exactly the edits in force', async () => {
    const s = new Session();
    const raw = libvirtFixture('raw.sav');
    const f0 = await open(s, 'raw.sav', raw);
    const xml = f0.container!.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>undo me</description>');
    const f2 = applied(await setRunning(s, applied(await setXml(s, f0, xml)), true));
    const u1 = await ask(s, { type: 'undo', generation: f2.generation });
    expect(u1.container!.libvirt!.header.wasRunning).toBe(0);
    expect(u1.container!.libvirt!.xml).toBe(xml);
    const u2 = await ask(s, { type: 'undo', generation: u1.generation });
    expect(u2.containerEdited).toBe(false);
    expect(u2.container!.libvirt!.xml).toBe(f0.container!.libvirt!.xml);
    expect(Buffer.from((await download(s, u2)).bytes).equals(Buffer.from(raw))).toBe(true);
    const r1 = await ask(s, { type: 'redo', generation: u2.generation });
    expect(r1.container!.libvirt!.xml).toBe(xml);
    const d = (await download(s, r1)).bytes;
    expect(d.length).toBe(raw.length);
    expect((await readLibvirt(memorySource(d)))!.libvirt).toMatchObject({ xml, header: { wasRunning: 0 } });
    // The stream after the data area is the original's, byte for byte.
    expect(Buffer.from(d.subarray(streamStart(raw))).equals(Buffer.from(raw.subarray(streamStart(raw))))).toBe(true);
  });

  it('container edits are kept across a reload, and a patch carries them to another image', async () => {
    const storage = memoryStorage();
    const raw = libvirtFixture('raw.sav');
    const s = new Session({ storage });
    const f0 = await open(s, 'raw.sav', raw);
    const xml = f0.container!.libvirt!.xml.replace(/<description>.*<\/description>/, '<description>kept</description>');
    const f2 = applied(await setRunning(s, applied(await setXml(s, f0, xml)), true));
    const reloaded = await open(new Session({ storage }), 'raw.sav', raw);
    expect(reloaded.restored).toEqual({ count: 2 });
    expect(reloaded.containerEdited).toBe(true);
    expect(reloaded.container!.libvirt).toMatchObject({ xml, header: { wasRunning: 1 } });
    expect(reloaded.edits.done.map((a) => a.label)).toEqual(['set libvirt/xml', 'set libvirt/was_running']);
    const patch = await ask(s, { type: 'export-patch', generation: f2.generation });
    expect(JSON.parse(patch.text).edits.map((e: { kind: string; path: string }) => [e.kind, e.path])).toEqual([['container', 'libvirt/xml'], ['container', 'libvirt/was_running']]);
    // The same guest saved compressed: the patch applies (its before values match) as one action.
    const t = new Session();
    const g0 = await open(t, 'gzip.sav', libvirtFixture('gzip.sav'));
    const g1 = applied(await ask(t, { type: 'edit', generation: g0.generation, edit: { kind: 'patch', text: patch.text, name: 'p.json' }, force: false }));
    expect(g1.container!.libvirt).toMatchObject({ xml, header: { wasRunning: 1 } });
    // Applied again, the values it expects to replace are gone: refused with the reason.
    const again = await ask(t, { type: 'edit', generation: g1.generation, edit: { kind: 'patch', text: patch.text, name: 'p.json' }, force: false });
    expect(again).toMatchObject({ status: 'refused', reason: expect.stringMatching(/libvirt\/xml: the target holds another value/) });
  });

  it('kept container edits that do not fit the dropped image are dropped with the reason', async () => {
    const storage = memoryStorage();
    const raw = libvirtFixture('raw.sav');
    const s = new Session({ storage });
    const f0 = await open(s, 'raw.sav', raw);
    applied(await setRunning(s, f0, true));
    // Same stream (same key), another header: was_running already 1.
    const other = raw.slice();
    new DataView(other.buffer).setUint32(24, 1, true);
    const r = await open(new Session({ storage }), 'other.sav', other);
    expect(r.restored && 'dropped' in r.restored ? r.restored.dropped : '').toMatch(/container bytes "set libvirt\/was_running" changed are not in this file/);
    expect(r.edits.done).toEqual([]);
  });

  it('refuses XML larger than the reserved room, and a container edit on a bare stream', async () => {
    const s = new Session();
    const f = await open(s, 'raw.sav', libvirtFixture('raw.sav'));
    expect(await setXml(s, f, 'x'.repeat(70_000))).toMatchObject({ status: 'refused', reason: expect.stringMatching(/reserves \d+ \(data_len\) and the stream after it cannot move/) });
    const bare = libvirtFixture('raw.sav');
    const g = await open(s, 'bare.bin', bare.subarray(streamStart(bare)));
    expect(g.container).toBeUndefined();
    expect(await setRunning(s, g, true)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/bare QEMU stream/) });
  });
});
