// Every guard of format.md §11 on real fixtures: what QEMU would reject is refused with the reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { bytesToHex } from '../field-types/index.ts';
import { findField } from './find.ts';
import { editedSource } from './piece-table.ts';
import { planFieldEdit, planHeaderEdit, planRawEdit } from './plan.ts';
import type { StreamModel } from '../model.ts';
import { scanStream } from '../scan.ts';
import { compareFraming } from '../verify.ts';
import { fixtureBytes, fixtureDescription, scanBytes } from '../testing/fixtures.ts';

let model: StreamModel;
let xen: StreamModel;
const bytes = fixtureBytes('pc-devstate.bin');
beforeAll(async () => {
  const vmdesc = await fixtureDescription('pc-migration.bin');
  model = await scanBytes(bytes, { vmdesc });
  xen = await scanBytes(fixtureBytes('pc-xen-devstate.bin'));
});

const refused = (p: ReturnType<typeof planFieldEdit>) => (p.ok ? 'accepted' : p.reason);

describe('field edits', () => {
  it('an integer edit changes exactly that field\'s bytes', () => {
    const p = planFieldEdit(model, 'cpu (0)/env.regs[0]', '0x1122334455667788');
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const node = findField(model, 'cpu (0)/env.regs[0]')!.node;
    expect(p.change.splices).toHaveLength(1);
    expect(p.change.splices[0].offset).toBe(node.offset);
    expect([...p.change.splices[0].inserted]).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    expect([...p.change.splices[0].removed]).toEqual([...bytes.subarray(node.offset, node.offset + 8)]);
  });

  it('range-checks integers for width and signedness', () => {
    expect(refused(planFieldEdit(model, 'cpu (0)/env.mxcsr', '0x1ffffffff'))).toMatch(/does not fit in 32 bits/);
    expect(refused(planFieldEdit(model, 'cpu (0)/env.mxcsr', 'twelve'))).toMatch(/not an integer/);
    expect(planFieldEdit(model, 'cpu (0)/env.fpuc', '-1').ok).toBe(true);
  });

  it('refuses negative "int32 le" and warns about its upper bound', () => {
    const path = '0000:00:00.0/I440FX (0)/parent_obj.version_id';
    expect(findField(model, path)!.node.type).toBe('int32 le');
    expect(refused(planFieldEdit(model, path, '-1'))).toMatch(/must be >= 0/);
    const ok = planFieldEdit(model, path, '1');
    expect(ok.ok && ok.change.warnings.join()).toMatch(/<= the destination/);
  });

  it('warns that "equal" fields must match the destination', () => {
    const eq = [...walk(model)].find((n) => n.type.endsWith(' equal') && n.value !== undefined)!;
    const p = planFieldEdit(model, eq.path, String(eq.value));
    expect(p.ok && p.change.warnings.join()).toMatch(/must equal the destination/);
  });

  it('refuses PCI irq states other than 0 or 1', () => {
    expect(refused(planFieldEdit(model, '0000:00:00.0/I440FX (0)/parent_obj.irq_state[0]', '2'))).toMatch(/must be 0 or 1/);
    expect(planFieldEdit(model, '0000:00:00.0/I440FX (0)/parent_obj.irq_state[0]', '1').ok).toBe(true);
  });

  it('refuses read-only PCI config bytes unless forced', () => {
    const path = '0000:00:00.0/I440FX (0)/parent_obj.config[0]';
    const config = bytesToHex(findField(model, path)!.node.value as Uint8Array);
    expect(refused(planFieldEdit(model, path, 'ff' + config.slice(2)))).toMatch(/read-only/);
    const forced = planFieldEdit(model, path, 'ff' + config.slice(2), { force: true });
    expect(forced.ok && forced.change.warnings.join()).toMatch(/Bad config data/);
    // A writable byte (the command register, 0x04) is fine.
    expect(planFieldEdit(model, path, config.slice(0, 8) + '07' + config.slice(10)).ok).toBe(true);
  });

  it('refuses count fields that govern an array unless forced', () => {
    const count = [...walk(model)].find((n) => /^(num|nb|n)_|_count$|(^|\.)len$/.test(n.name) && typeof n.value === 'number')!;
    expect(refused(planFieldEdit(model, count.path, String((count.value as number) + 1)))).toMatch(/count or length/);
  });

  it('refuses structures, NULL markers and sections framed by heuristic', () => {
    expect(refused(planFieldEdit(model, 'cpu (0)/env.segs[1]', '0'))).toMatch(/edit its fields one by one/);
    const rec = xen.records.find((r) => r.heuristic)!;
    expect(refused(planFieldEdit(xen, rec.fields![0].path, '00'))).toMatch(/heuristic/);
  });

  it('edits one byte inside a buffer', () => {
    const p = planFieldEdit(model, 'mc146818rtc (0)/cmos_data[63]', '0x5a');
    expect(p.ok).toBe(true);
    if (p.ok) expect([...p.change.splices[0].inserted][63]).toBe(0x5a);
  });
});

describe('header and raw edits', () => {
  it('a longer idstr re-frames the record and the file still frames like the original', async () => {
    const rec = model.records.find((r) => r.idstr === 'timer')!;
    const p = planHeaderEdit(rec, { idstr: 'timer-with-a-longer-name' });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const edited = editedSource(memorySource(bytes), [p.change]);
    expect(edited.size).toBe(bytes.length + 'timer-with-a-longer-name'.length - 'timer'.length);
    const again = (await scanStream(edited, { vmdesc: await fixtureDescription('pc-migration.bin') })).model;
    expect(again.records[1].idstr).toBe('timer-with-a-longer-name');
    expect(compareFraming(model, again)).toEqual({ ok: true, reasons: [] });
  });

  it('refuses raw edits over record framing unless forced', () => {
    const rec = model.records.find((r) => r.idstr === 'timer')!;
    expect(planRawEdit(model, rec.offset, bytes.subarray(rec.offset, rec.offset + 1), Uint8Array.of(9)).ok).toBe(false);
    expect(planRawEdit(model, rec.dataOffset!, bytes.subarray(rec.dataOffset!, rec.dataOffset! + 1), Uint8Array.of(9)).ok).toBe(true);
  });

  it('the framing check catches a section that no longer ends where it did', async () => {
    // Xen-style: deleting a byte of timer makes QEMU "succeed" while skipping every later device.
    const xenBytes = fixtureBytes('pc-xen-devstate.bin');
    const vmdesc = await fixtureDescription('pc-migration.bin');
    const before = await scanBytes(xenBytes, { vmdesc });
    const timer = before.records[1];
    const cut = Uint8Array.from([...xenBytes.subarray(0, timer.dataOffset!), ...xenBytes.subarray(timer.dataOffset! + 1)]);
    const after = await scanBytes(cut, { vmdesc });
    expect(compareFraming(before, after).ok).toBe(false);
  });
});

function* walk(m: StreamModel) {
  const stack = m.records.flatMap((r) => r.fields ?? []);
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    stack.push(...(n.children ?? []));
  }
}

describe('patches', () => {
  it('a byte-path edit and a header edit with spaces in the idstr export and apply', async () => {
    const { exportPatch, planPatchEntry } = await import('./patch.ts');
    const byte = planFieldEdit(model, 'mc146818rtc (0)/cmos_data[63]', '0x5a');
    const rec = model.records.find((r) => r.idstr === 'timer')!;
    const header = planHeaderEdit(rec, { idstr: 'timer with spaces' });
    if (!byte.ok || !header.ok) throw new Error('plans failed');
    const patch = exportPatch([byte.change, header.change]);
    const read = async (o: number, s: number) => bytes.subarray(o, o + s);
    const p1 = await planPatchEntry(model, patch.edits[0], read);
    expect(p1.ok && [...p1.change.splices[0].inserted][63]).toBe(0x5a);
    const p2 = await planPatchEntry(model, patch.edits[1], read);
    expect(p2.ok).toBe(true);
    const undoHeader = { ...patch.edits[1], path: 'timer with spaces (0)', before: patch.edits[1].after, after: patch.edits[1].before };
    const edited = await scanBytes(Uint8Array.from([...(await editedSource(memorySource(bytes), [header.change]).read(0, bytes.length + 12))]), { vmdesc: await fixtureDescription('pc-migration.bin') });
    const back = await planPatchEntry(edited, undoHeader, read);
    expect(back.ok).toBe(true);
  });

  it('forcing reaches byte paths inside a buffer', () => {
    const path = '0000:00:00.0/I440FX (0)/parent_obj.config[0][0]';
    expect(planFieldEdit(model, path, '0xff').ok).toBe(false);
    expect(planFieldEdit(model, path, '0xff', { force: true }).ok).toBe(true);
  });
});
