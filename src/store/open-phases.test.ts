// Issue #10: every action a person can take while a file opens is carried out once it can be, or
// refused with a reason the page shows. Each action is taken at each phase of a real open of a
// real QEMU 7.2 migration stream, held there by the worker's 'drawn' handshake (open-gate.ts).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findField } from '../format/edit/find.ts';
import { busyReason, openPhase, verdict, type OpenPhase } from './action-guard.ts';
import { gatedStore, openHeldAt, type Harness } from './open-gate.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url)));
const MIG = Buffer.from(fixture('q35-migration.bin'));
const DEV = fixture('q35-devstate.bin');
const REG0 = 'cpu (0)/env.regs[0]';
const REG1 = 'cpu (0)/env.regs[1]';

/** The stream's own JSON description (format.md §4), as a file a user would pick. */
function vmdescJson(stream: Buffer): Blob {
  const start = stream.lastIndexOf(Buffer.from('{"page_size"'));
  if (start < 5 || stream[start - 5] !== 0x06) throw new Error('no VMDESCRIPTION record');
  return new Blob([new Uint8Array(stream.subarray(start, start + stream.readUInt32BE(start - 4)))]);
}

const PATCH = JSON.stringify({ format: 'vmstate-explorer-patch', version: 1, edits: [{ kind: 'field', path: REG0, before: '0', after: '0x1234' }] });
const PHASES = ['reading', 'devices', 'outline', 'done'] as const;
const value = (h: Harness, path: string) => findField(h.store.getState().model!, path)?.node.value;

/** A store whose worker keeps one edit to mig.bin (restored by the next open of the same bytes). */
async function withKeptEdit(): Promise<Harness> {
  const h = gatedStore();
  await h.store.getState().openFile(new Blob([MIG]), 'mig.bin');
  expect(await h.store.getState().editField(REG1, '0x77')).toEqual({ status: 'applied', warnings: [] });
  return h;
}

describe('actions while a file opens (issue #10)', () => {
  it.each(PHASES)('at %s: each action takes effect, waits for the open, or is refused with the reason', async (phase: Exclude<OpenPhase, 'none'>) => {
    const h = await withKeptEdit();
    const { store, saved } = h;
    const { opening } = await openHeldAt(h, new Blob([MIG]), 'mig.bin', phase);
    const s = store.getState;
    expect(openPhase(s())).toBe(phase);
    const held = phase !== 'done';
    const notice = () => s().notice?.text;

    // Open description: waits for the open (the scan progress shows it), or runs now.
    await s().openDescription(vmdescJson(MIG), 'q35-vmdesc.json');
    if (held) expect([s().queuedDescription?.name, s().file?.description]).toEqual(['q35-vmdesc.json', undefined]);
    else expect(s().file?.description).toBe('q35-vmdesc.json');

    // Go to a field: refused until the sections show; then at once, or once the trees arrive.
    const gone = s().goTo(REG0);
    if (phase === 'reading') {
      expect(gone).toBe('Go to is possible once the sections of mig.bin are shown');
      expect(busyReason(s(), 'goto')).toBe(gone);
      expect(s().allow('goto')).toBe(false);
      expect(notice()).toBe(`${gone}.`);
    } else expect(gone).toBeNull();
    if (phase === 'outline') expect([s().pendingGoTo, s().fieldPath]).toEqual([REG0, null]);
    if (phase === 'devices' || phase === 'done') expect(s().fieldPath).toBe(REG0);

    // Search: on what is shown, and again when the rest arrives (the pane says so).
    const search = verdict(s(), 'search');
    expect(search.do).toBe({ reading: 'refuse', devices: 'later', outline: 'later', done: 'now' }[phase]);
    if (phase === 'outline') expect(s().model!.records.some((r) => r.fields?.length)).toBe(false);

    const refused = (what: string) => `${what} is possible once mig.bin has finished opening`;
    // Edits: refused while the model is not the final one, the reason shown by the editor.
    const edited = await s().editField(REG0, '0x4d');
    const patched = await s().applyPatch(PATCH, 'p.json');
    if (held) {
      expect(edited).toEqual({ status: 'failed', reason: refused('Editing') });
      expect(patched).toEqual({ status: 'failed', reason: refused('Applying a patch') });
      expect(busyReason(s(), 'edit')).toBe(refused('Editing'));
      expect(s().allow('edit')).toBe(false);
      expect(notice()).toBe(`${refused('Editing')}.`);
    } else {
      expect(edited).toEqual({ status: 'applied', warnings: [] });
      expect(patched).toMatchObject({ status: 'refused', reason: expect.stringContaining('the target holds 77, the patch expects 0') });
      expect(value(h, REG0)).toBe(0x4d);
    }

    // Undo, export and download: refused with the reason while held (the buttons' titles), done after.
    for (const [action, run, what] of [
      ['undo', s().undo, 'Undo'],
      ['export-patch', s().exportPatch, 'Exporting the edits'],
      ['download', s().downloadEdited, 'Downloading the edited file'],
    ] as const) {
      await run();
      if (held) {
        expect(busyReason(s(), action)).toBe(refused(what));
        expect(notice()).toBe(`${refused(what)}.`);
      } else expect(busyReason(s(), action)).toBeNull();
    }
    // RAM pages: the worker's RAM index is the open's, so the picture is asked for again after it.
    const ram = s().ramPicture('pc.ram', 64);
    if (held) await expect(ram).rejects.toThrow(refused('Reading RAM pages'));
    else expect((await ram).pages).toBeGreaterThan(0);

    if (held) expect(saved).toEqual([]);
    else {
      expect(value(h, REG0)).toBe(0); // undone
      expect(saved.map((f) => f.name)).toEqual(['mig.patch.json', 'mig-edited.bin']);
    }

    // The rest of the open: what waited is carried out, what was refused left no trace.
    h.gate.release();
    await opening;
    expect(openPhase(s())).toBe('done');
    expect(s().file?.description).toBe('q35-vmdesc.json');
    expect(s().queuedDescription).toBeNull();
    if (phase !== 'reading') expect([s().fieldPath, s().pendingGoTo]).toEqual([REG0, null]);
    expect(verdict(s(), 'search').do).toBe('now');
    expect(s().model!.records.some((r) => r.fields?.length)).toBe(true);
    expect(s().edits.done.map((a) => a.parts[0].path)).toEqual([REG1]);
    expect(value(h, REG1)).toBe(0x77);
    expect(value(h, REG0)).toBe(0);
    expect((await s().ramPicture('pc.ram', 64)).pages).toBeGreaterThan(0);
    await s().undo();
    expect(value(h, REG1)).toBe(0);
    expect(busyReason(s(), 'undo')).toBe('Nothing to undo');
  });

  it.each(PHASES)('at %s: opening another file replaces the one opening, and says what it dropped', async (phase: Exclude<OpenPhase, 'none'>) => {
    const h = gatedStore();
    const s = h.store.getState;
    const { opening } = await openHeldAt(h, new Blob([MIG]), 'mig.bin', phase);
    if (phase !== 'done') await s().openDescription(vmdescJson(MIG), 'q35-vmdesc.json');
    await s().openFile(new Blob([DEV]), 'dev.bin');
    expect(s()).toMatchObject({ file: { name: 'dev.bin' }, scan: null, partial: false, queuedDescription: null });
    expect(s().file?.description).toBeUndefined();
    expect(s().model!.records.filter((r) => r.fields?.length).length).toBeGreaterThan(40);
    if (phase === 'done') expect(s().notice).toBeNull();
    else expect(s().notice).toEqual({ tone: 'info', text: 'dev.bin replaced mig.bin while it opened; the description q35-vmdesc.json was not applied.' });
    // The first open's late messages change nothing.
    h.gate.release();
    await opening;
    expect(s().file?.name).toBe('dev.bin');
  });

  it('a cancelled open says which waiting actions were not carried out', async () => {
    const h = gatedStore();
    const s = h.store.getState;
    const { opening } = await openHeldAt(h, new Blob([MIG]), 'mig.bin', 'outline');
    await s().openDescription(vmdescJson(MIG), 'q35-vmdesc.json');
    expect(s().goTo('no-such-device (0)/x')).toBeNull();
    s().cancelScan();
    h.gate.release();
    await opening;
    expect(s()).toMatchObject({ file: null, scan: null, queuedDescription: null, pendingGoTo: null });
    expect(s().notice).toEqual({ tone: 'info', text: 'Cancelled opening mig.bin; the description q35-vmdesc.json was not applied; Go to no-such-device (0)/x was not carried out.' });
  });

  it('a Go to that waited and finds nothing in the opened file says so', async () => {
    const h = gatedStore();
    const s = h.store.getState;
    const { opening } = await openHeldAt(h, new Blob([MIG]), 'mig.bin', 'outline');
    expect(s().goTo('cpu (0)/env.no_such_field')).toBeNull();
    h.gate.release();
    await opening;
    expect(s().notice).toEqual({ tone: 'error', text: 'Go to: No offset, field or section matches "cpu (0)/env.no_such_field" in mig.bin.' });
  });

  it('an edit on its way when another file is opened is dropped with a notice, not silently', async () => {
    const h = gatedStore();
    const s = h.store.getState;
    await s().openFile(new Blob([MIG]), 'mig.bin');
    const editing = s().editField(REG0, '0x4d');
    await s().openFile(new Blob([DEV]), 'dev.bin');
    expect(await editing).toEqual({ status: 'failed', reason: 'Another file was opened meanwhile' });
    expect(s().notice).toEqual({ tone: 'info', text: `Setting ${REG0} was abandoned: dev.bin was opened meanwhile.` });
    expect(s().edits.done).toEqual([]);
  });

  it('with no file, the actions that need one are refused with the reason', async () => {
    const { store } = gatedStore();
    const s = store.getState;
    for (const a of ['describe', 'goto', 'edit', 'undo', 'download', 'export-patch', 'apply-patch'] as const) expect(busyReason(s(), a)).toMatch(/^Open a (state )?file first/);
    await s().openDescription(vmdescJson(MIG), 'd.json');
    expect(s().notice).toEqual({ tone: 'error', text: 'Open a state file first: a description decodes the open file; d.json would describe it.' });
    await s().undo();
    expect(s().notice?.text).toBe('Open a file first.');
    expect(s().goTo('0x10')).toBe('Open a file first');
  });
});
