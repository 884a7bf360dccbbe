// Choosing a snapshot of a real qcow2 image (QEMU 7.2 savevm, scripts/make-qcow2-fixtures.mjs) in
// the store, against the real worker code: each snapshot's VM state opens with the CMOS byte the
// fixture manifest records; a disk-only snapshot, the open one, a choice during an open and one
// the person declines to discard edits for are refused with the reason, and nothing is lost.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findField } from '../format/edit/find.ts';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { gatedStore, isEvent, type Harness } from './open-gate.ts';
import { chosenSnapshot } from './snapshot-choice.ts';

const entry = JSON.parse(readFileSync(join(FIXTURE_DIR, 'qcow2/manifest.json'), 'utf8')).images.find((e: { file: string }) => e.file === 'pc-v3.qcow2');
const image = new Blob([new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'qcow2', entry.gz))))]);
const REG0 = 'cpu (0)/env.regs[0]';

async function cmosByte(h: Harness): Promise<number> {
  const s = h.store.getState();
  const data = findField(s.model!, 'mc146818rtc (0)/cmos_data')!.node;
  const reply = await h.gate.session.bytes(s.file!.generation, data.offset + entry.cmos.after.index, 1);
  return reply[0];
}

async function opened(confirm?: (m: string) => boolean): Promise<Harness> {
  const h = gatedStore(confirm);
  await h.store.getState().openFile(image, 'pc-v3.qcow2');
  expect(chosenSnapshot(h.store.getState())?.name).toBe('after');
  return h;
}

describe('choosing a qcow2 snapshot in the store', { timeout: 60_000 }, () => {
  it('opens each snapshot with a VM state; the CMOS byte differs as the manifest records', async () => {
    const h = await opened();
    expect(await cmosByte(h)).toBe(entry.cmos.after.value);
    expect(await h.store.getState().chooseSnapshot(0)).toBeNull();
    const s = h.store.getState();
    expect(chosenSnapshot(s)?.name).toBe('before');
    expect(s.file?.name).toBe('pc-v3.qcow2');
    expect(s.model?.records.some((r) => r.idstr === 'mc146818rtc')).toBe(true);
    expect(await cmosByte(h)).not.toBe(entry.cmos.after.value);
    expect(await h.store.getState().chooseSnapshot(1)).toBeNull();
    expect(await cmosByte(h)).toBe(entry.cmos.after.value);
  });

  it('refuses the disk-only snapshot and the open one with the reason, and keeps what is open', async () => {
    const h = await opened();
    const generation = h.store.getState().file!.generation;
    expect(await h.store.getState().chooseSnapshot(2)).toMatch(/"disk-only" \(id 3\) is disk-only: it holds no VM state/);
    expect(await h.store.getState().chooseSnapshot(1)).toMatch(/"after" \(id 2\) is already open/);
    expect(h.store.getState().file?.generation).toBe(generation);
    expect(chosenSnapshot(h.store.getState())?.name).toBe('after');
  });

  it('with unsaved edits: declined, the edits stay; confirmed, the other snapshot opens and the edits come back with theirs', async () => {
    let answer = false;
    const asked: string[] = [];
    const h = await opened((m) => (asked.push(m), answer));
    expect((await h.store.getState().editField(REG0, '0x1234')).status).toBe('applied');
    expect(await h.store.getState().chooseSnapshot(0)).toMatch(/Kept snapshot "after" \(id 2\) open with its unsaved edits/);
    expect(asked[0]).toMatch(/Open snapshot "before" \(id 1\) of pc-v3.qcow2\? The 1 edit to snapshot "after" \(id 2\) is not downloaded yet/);
    expect(h.store.getState().edits.done).toHaveLength(1);
    answer = true;
    expect(await h.store.getState().chooseSnapshot(0)).toBeNull();
    expect(chosenSnapshot(h.store.getState())?.name).toBe('before');
    expect(h.store.getState().edits.done).toHaveLength(0);
    // The worker kept them per VM state: choosing "after" again restores them.
    expect(await h.store.getState().chooseSnapshot(1)).toBeNull();
    expect(h.store.getState().edits.done).toHaveLength(1);
    expect(findField(h.store.getState().model!, REG0)?.node.value).toBe(0x1234);
  });

  it('during an open the action guard refuses it with the reason', async () => {
    const h = await opened();
    h.gate.gateNextOpen();
    const opening = h.store.getState().openFile(image, 'pc-v3.qcow2', { snapshot: 'before' });
    await h.gate.sent(isEvent('devices'));
    await h.gate.through((m) => m.kind === 'event' && m.event.type === 'devices');
    expect(h.store.getState().container?.qcow2?.snapshots).toHaveLength(3);
    expect(await h.store.getState().chooseSnapshot(1)).toMatch(/Choosing another snapshot is possible once pc-v3.qcow2 has finished opening/);
    h.gate.release();
    await opening;
    expect(chosenSnapshot(h.store.getState())?.name).toBe('before');
  });
});
