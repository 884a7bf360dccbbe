// The worker opens xl save images (scripts/make-xl-fixtures.mjs, accepted by Xen's verify-stream-v2)
// as the QEMU device state inside their EMULATOR_CONTEXT record, with every libxl/libxc record
// beside it; downloads put the record back around the edited state: byte-identical unedited, and
// after an edit still accepted by Xen's verifier, with the record's length and padding right.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { FIXTURE_DIR, fixtureBytes } from '../format/testing/fixtures.ts';
import type { EditRequest } from '../format/edit/steps.ts';
import { readHvmContext } from '../format/xen/hvm-context.ts';
import { readXenImage } from '../format/xen/xl-image.ts';
import { verifyXenStream, xenVerifierAvailable } from '../../scripts/lib/xen-verify.mjs';
import { Session } from './session.ts';
import { appliedFile as applied, ask, downloadBytes as download, scanLikeWorker } from './test-support.ts';

const image = new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'xl/pc-xl.save.gz'))));
const open = (s: Session) => ask(s, { type: 'open', file: new Blob([image as Uint8Array<ArrayBuffer>]), name: 'pc-xl.save' });

describe('xl save images in the worker', { timeout: 60_000 }, () => {
  it('opens as the device state inside EMULATOR_CONTEXT, with the Xen records and the HVM vCPU registers beside it', async () => {
    const f = await open(new Session());
    const bare = (await scanLikeWorker(fixtureBytes('pc-xen-devstate.bin'))).model;
    expect(f.model).toEqual(bare);
    expect(f.container!.kind).toBe('xl');
    const hvm = f.container!.records.find((r) => r.title === 'libxc HVM_CONTEXT')!;
    const cpu = hvm.fields!.find((n) => n.name === 'CPU (0)')!;
    expect(BigInt(cpu.children!.find((c) => c.name === 'rbx')!.value as string)).toBe(0x1111000000000202n);
    expect(f.container!.records.find((r) => r.kind === 'config')?.text).toMatch(/"type":"hvm"/);
  });

  it('downloads byte-identical unedited, and edited with the record length kept right', async () => {
    const s = new Session();
    const f0 = await open(s);
    expect(Buffer.from(await download(s, f0)).equals(Buffer.from(image))).toBe(true);
    const f1 = applied(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }, force: false }));
    const edited = await download(s, f1);
    const x = await readXenImage(memorySource(edited));
    expect(x.problems).toEqual([]);
    expect(x.complete).toBe(true);
    const ctx = x.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    const inner = edited.subarray(ctx.bodyOffset + 8, ctx.bodyOffset + ctx.length);
    const { model } = await scanLikeWorker(inner);
    const cmos = [...model.records].find((r) => r.idstr === 'mc146818rtc')!;
    const data = cmos.fields!.find((n) => n.name === 'cmos_data')!;
    expect(inner[data.offset + 63]).toBe(0x5a);
    if (xenVerifierAvailable() || process.env.CI) {
      const file = join(mkdtempSync(join(tmpdir(), 'xl-dl-')), 'edited.save');
      writeFileSync(file, edited);
      const v = verifyXenStream(file, 'xl');
      expect(v.ok, v.output).toBe(true);
    }
  });
  it('HVM_CONTEXT fields edit as ordinary edits (edit list, undo) and an EMULATOR_CONTEXT that changes size downloads right', async () => {
    const s = new Session();
    const f0 = await open(s);
    const edit = async (generation: number, e: EditRequest) => applied(await ask(s, { type: 'edit', generation, edit: e, force: false }));
    const f1 = await edit(f0.generation, { kind: 'container', path: 'hvm CPU (0)/rax', value: '0xdeadbeef' });
    const f2 = await edit(f1.generation, { kind: 'container', path: 'hvm RTC (0)/cmos_data[11]', value: '0x5a' });
    // A section renamed to its compat idstr (QEMU's find_se accepts it): the device state is 13 bytes shorter.
    const f3 = await edit(f2.generation, { kind: 'header', section: { label: '0000:00:01.3/piix4_pm (0)' }, change: { idstr: 'piix4_pm' } });
    expect(f3.containerEdited).toBe(true);
    const cpu = (f: typeof f3) => f.container!.records.find((r) => r.title === 'libxc HVM_CONTEXT')!.fields!.find((n) => n.name === 'CPU (0)')!.children!;
    expect(cpu(f3).find((c) => c.name === 'rax')!.value).toBe(0xdeadbeef);
    expect(f3.edits.done[0].parts[0]).toMatchObject({ kind: 'container', path: 'hvm CPU (0)/rax', after: '0xdeadbeef' });
    const edited = await download(s, f3);
    expect(edited.length).toBe(image.length - 16);
    const x = await readXenImage(memorySource(edited));
    expect(x.problems).toEqual([]);
    const ctx = x.records.find((r) => r.name === 'EMULATOR_CONTEXT')!;
    expect(ctx.length).toBe(8 + f3.model.fileSize);
    const hvm = x.records.find((r) => r.name === 'HVM_CONTEXT')!;
    const entries = await readHvmContext(memorySource(edited), hvm.bodyOffset, hvm.length);
    expect(entries.find((e) => e.name === 'CPU')!.fields.find((f) => f.name === 'rax')!.value).toBe(0xdeadbeef);
    expect((entries.find((e) => e.name === 'RTC')!.fields.find((f) => f.name === 'cmos_data')!.value as Uint8Array)[11]).toBe(0x5a);
    if (xenVerifierAvailable() || process.env.CI) {
      const file = join(mkdtempSync(join(tmpdir(), 'xl-hvm-')), 'edited.save');
      writeFileSync(file, edited);
      const v = verifyXenStream(file, 'xl');
      expect(v.ok, v.output).toBe(true);
    }
    // Undo takes the rename back, two more the RTC byte and rax: the download is the original again.
    const u1 = await ask(s, { type: 'undo', generation: f3.generation });
    const u3 = await ask(s, { type: 'undo', generation: (await ask(s, { type: 'undo', generation: u1.generation })).generation });
    expect(u3.containerEdited).toBe(false);
    expect(cpu(u3).find((c) => c.name === 'rax')!.value).toBe(cpu(f0).find((c) => c.name === 'rax')!.value);
    expect(Buffer.from(await download(s, u3)).equals(Buffer.from(image))).toBe(true);
  });

  it('refuses a value that does not fit and an HVM entry the image does not have', async () => {
    const s = new Session();
    const f0 = await open(s);
    expect(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'container', path: 'hvm RTC (0)/cmos_index', value: '0x100' }, force: false }))
      .toMatchObject({ status: 'refused', reason: expect.stringMatching(/does not fit in 8 bits/) });
    expect(await ask(s, { type: 'edit', generation: f0.generation, edit: { kind: 'container', path: 'hvm CPU (7)/rax', value: '1' }, force: false }))
      .toMatchObject({ status: 'refused', reason: expect.stringMatching(/no editable field "hvm CPU \(7\)\/rax"/) });
  });
});
