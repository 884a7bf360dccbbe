// Edited snapshots are loaded by real QEMU 7.2: the VM state of pc-v3.qcow2's "before" snapshot is
// edited (the RTC CMOS byte 0x3f and EAX) through the edit planner, written into a copy of the image
// in place, checked by `qemu-img check`, and restored with `-loadvm before`; QEMU then reports the
// new values (HMP `i` on port 0x71 after selecting index 0x3f on 0x70, `info registers`).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { planFieldEdit } from '../edit/plan.ts';
import { scanStream } from '../scan.ts';
import { afterLoadvm, hasQemu72, qcow2Entry, qcow2Image, qemuImgCheck } from '../testing/qcow2-qemu.ts';
import { findSnapshot, openQcow2, vmStateSource } from './index.ts';
import { imagePatches } from './patch-image.ts';

describe.runIf(hasQemu72 || process.env.CI)('QEMU 7.2 restores an edited qcow2 snapshot', () => {
  it('shows the edited CMOS byte and EAX after -loadvm, and qemu-img check passes', async () => {
    const entry = qcow2Entry('pc-v3.qcow2');
    const image = qcow2Image(entry);
    const img = await openQcow2(memorySource(image));
    const state = vmStateSource(memorySource(image), img, findSnapshot(img, 'before')!);
    const { model } = await scanStream(state);
    // The snapshot as saved holds other values, so QEMU reporting these ones means the edit arrived.
    const { findField } = await import('../edit/find.ts');
    expect(findField(model, 'cpu (0)/env.regs[0]')?.node.value).not.toBe(0x12345678);
    const splices = [];
    for (const [path, value] of [['mc146818rtc (0)/cmos_data[63]', '0x5a'], ['cpu (0)/env.regs[0]', '0x12345678']]) {
      const plan = planFieldEdit(model, path, value);
      if (!plan.ok) throw new Error(plan.reason);
      splices.push(...plan.change.splices);
    }
    const result = await imagePatches(state, splices);
    if (!result.ok) throw new Error(result.reason);
    const edited = image.slice();
    for (const p of result.patches) edited.set(p.bytes, p.host);
    expect(edited.length).toBe(image.length);

    const dir = mkdtempSync(join(tmpdir(), 'qcow2-edit-'));
    const file = join(dir, 'edited.qcow2');
    writeFileSync(file, edited);
    qemuImgCheck(file); // throws on a non-zero exit
    const after = await afterLoadvm(entry, file, 'before', 0x3f);
    expect(after.cmos).toBe(0x5a);
    expect(after.registers).toMatch(/EAX=12345678/);
  });

  it('refuses an edit that would change the VM state size', async () => {
    const entry = qcow2Entry('pc-v3.qcow2');
    const image = qcow2Image(entry);
    const img = await openQcow2(memorySource(image));
    const state = vmStateSource(memorySource(image), img, findSnapshot(img, 'before')!);
    const r = await imagePatches(state, [{ offset: 100, removed: new Uint8Array(2), inserted: new Uint8Array(3) }]);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/changes its size by 1 bytes/) });
  });
});
