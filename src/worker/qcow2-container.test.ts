// The worker opens a qcow2 image made by real QEMU 7.2 `savevm` (scripts/make-qcow2-fixtures.mjs)
// as the VM state of its newest snapshot; the download is the image with the edited state written
// back in place: byte-identical unedited, and after an edit accepted by `qemu-img check`, with the
// edit in the state read back through the snapshot's tables.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { scanStream } from '../format/scan.ts';
import { findField } from '../format/edit/find.ts';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { openQcow2, vmStateSource } from '../format/qcow2/index.ts';
import type { ContainerInfo } from '../format/container/types.ts';
import { handle } from './handle.ts';
import { Session } from './session.ts';
import { appliedFile as applied, ask, downloadBytes as download } from './test-support.ts';

const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2', name))));
const image = gz('pc-v3.qcow2.gz');
const written: { index: number; value: number } = JSON.parse(readFileSync(join(FIXTURE_DIR, 'qcow2/manifest.json'), 'utf8')).images.find((e: { file: string }) => e.file === 'pc-v3.qcow2').cmos.after;
const open = (s: Session) => ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-v3.qcow2' });

describe('qcow2 images in the worker', { timeout: 60_000 }, () => {
  it('opens the newest snapshot\'s VM state: the stream QEMU migrates after -loadvm', async () => {
    const f = await open(new Session());
    expect(f.container!.kind).toBe('qcow2');
    expect(f.container!.qcow2!.snapshots.map((s) => s.name)).toEqual(['before', 'after', 'disk-only']);
    expect(f.container!.qcow2!.snapshots[f.container!.qcow2!.chosen!].name).toBe('after');
    const qemu = (await scanStream(memorySource(gz('pc-v3.qcow2.after.stream.gz')))).model;
    expect(f.model.records.map((r) => [r.kind, r.idstr, r.size])).toEqual(qemu.records.map((r) => [r.kind, r.idstr, r.size]));
  });

  it('opens the snapshot the request names, each as the stream QEMU migrates after -loadvm NAME', async () => {
    for (const [ref, name] of [['1', 'before'], ['#2', 'after'], ['before', 'before']]) {
      const s = new Session();
      const f = await ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-v3.qcow2', snapshot: ref });
      expect(f.container!.qcow2!.snapshots[f.container!.qcow2!.chosen!].name).toBe(name);
      const qemu = (await scanStream(memorySource(gz(`pc-v3.qcow2.${name}.stream.gz`)))).model;
      // RAM is chunked as each save went; the device sections are the same.
      const devices = (m: typeof qemu) => m.records.filter((r) => r.kind === 'section' && r.sectionType === 'full').map((r) => [r.idstr, r.instanceId, r.dataSize]);
      expect(devices(f.model)).toEqual(devices(qemu));
      expect(devices(f.model).length).toBeGreaterThan(10);
      // The CMOS byte the fixture script wrote between the two savevm, as its manifest records.
      const data = findField(f.model, 'mc146818rtc (0)/cmos_data')!.node;
      const [cmos] = (await ask(s, { type: 'bytes', generation: f.generation, offset: data.offset + written.index, length: 1 })).bytes;
      expect(cmos === written.value, `${name}: CMOS 0x${written.index.toString(16)} = ${cmos}`).toBe(name === 'after');
    }
  });

  it('refuses a disk-only or unknown snapshot with the reason, and the open file stays', async () => {
    const s = new Session();
    const f0 = await open(s);
    const disk = ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-v3.qcow2', snapshot: 'disk-only' });
    await expect(disk).rejects.toThrow(/snapshot "disk-only" is disk-only: it holds no VM state/);
    await expect(ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-v3.qcow2', snapshot: 'nope' })).rejects.toThrow(/a snapshot named "nope"/);
    await expect(ask(s, { type: 'open', file: new Blob([new Uint8Array(64)]), name: 'zeros.bin', snapshot: '1' })).rejects.toThrow(/not a qcow2 image/);
    expect((await ask(s, { type: 'bytes', generation: f0.generation, offset: 0, length: 4 })).bytes.length).toBe(4);
  });

  it('sends the snapshot list before the snapshot\'s clusters are mapped, then the mapped VM state, before the scan', async () => {
    const events: string[] = [];
    const lists: ContainerInfo[] = [];
    const s = new Session();
    await handle(s, 7, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-v3.qcow2', snapshot: 'before' }, (m) => {
      events.push(m.kind === 'event' ? m.event.type : 'reply');
      if (m.kind === 'event' && m.event.type === 'container') lists.push(m.event.container);
    });
    expect(events.slice(0, 2)).toEqual(['container', 'container']);
    expect(events.filter((e) => e === 'container')).toHaveLength(2);
    for (const c of lists) expect(c.qcow2!.snapshots.map((x) => x.name)).toEqual(['before', 'after', 'disk-only']);
    // First the list alone: "before" about to open, nothing mapped; then its extents, chosen.
    expect(lists[0].qcow2).toMatchObject({ opening: 0, extents: [] });
    expect(lists[0].qcow2!.chosen).toBeUndefined();
    expect(lists[1].qcow2!.chosen).toBe(0);
    expect(lists[1].qcow2!.opening).toBeUndefined();
    expect(lists[1].qcow2!.extents.length).toBeGreaterThan(0);
    expect(events.indexOf('devices')).toBeGreaterThan(1);
    expect(events.at(-1)).toBe('reply');
  });

  it('refuses an edit that would change the VM state size when it is planned, with the reason', async () => {
    const s = new Session();
    const f = await open(s);
    const timer = f.model.records.find((r) => r.kind === 'section' && r.sectionType === 'full' && r.idstr === 'timer')!;
    const r = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'header', section: { index: timer.index }, change: { idstr: 'timer-renamed' } }, force: true });
    expect(r).toMatchObject({ status: 'refused', canForce: false, reason: expect.stringMatching(/changes the VM state's size by 8 bytes at 0x[0-9a-f]+; .* only be changed in place/) });
    // A same-size rename is an edit like any other.
    expect(applied(await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'header', section: { index: timer.index }, change: { idstr: 'rimet' } }, force: true })).edits.done).toHaveLength(1);
  });

  it('downloads the image byte-identical unedited, and with an edit written in place', async () => {
    const s = new Session();
    const f0 = await open(s);
    expect(Buffer.from(await download(s, f0)).equals(Buffer.from(image))).toBe(true);
    const f1 = applied(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'field', path: 'cpu (0)/env.regs[0]', value: '0x12345678' }, force: false }));
    const edited = await download(s, f1);
    expect(edited.length).toBe(image.length);
    const file = join(mkdtempSync(join(tmpdir(), 'qcow2-dl-')), 'edited.qcow2');
    writeFileSync(file, edited);
    execFileSync('qemu-img', ['check', file]);
    const img = await openQcow2(memorySource(edited));
    const { model } = await scanStream(vmStateSource(memorySource(edited), img, img.snapshots[1]));
    expect(findField(model, 'cpu (0)/env.regs[0]')?.node.value).toBe(0x12345678);
  });
});
