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
import { Session } from './session.ts';
import { appliedFile as applied, ask, downloadBytes as download } from './test-support.ts';

const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2', name))));
const image = gz('pc-v3.qcow2.gz');
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
