import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../format/field-types/index.ts';
import { findField } from '../format/edit/find.ts';
import { memoryStorage } from './edit-storage.ts';
import { handle } from './handle.ts';
import type { EditReply, EditRequest, OpenedFile, Replies, Request, WorkerMessage } from './protocol.ts';
import { Session } from './session.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url)));

let nextId = 1;
async function ask<T extends keyof Replies>(s: Session, request: Request & { type: T }): Promise<Replies[T]> {
  const replies: WorkerMessage[] = [];
  await handle(s, nextId++, request, (m) => m.kind === 'reply' && replies.push(m));
  expect(replies).toHaveLength(1);
  const m = replies[0];
  if (m.kind !== 'reply' || !m.ok) throw new Error(`expected a value, got ${JSON.stringify(m)}`);
  return m.value as Replies[T];
}

async function open(s: Session, name: string, bytes = fixture(name)): Promise<OpenedFile> {
  return ask(s, { type: 'open', file: new Blob([bytes]), name });
}

function applied(r: EditReply): OpenedFile {
  if (r.status !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(r)}`);
  return r.file;
}

async function edit(s: Session, f: OpenedFile, e: EditRequest, force = false): Promise<EditReply> {
  return ask(s, { type: 'edit', generation: f.generation, edit: e, force });
}

async function fileBytes(s: Session, f: OpenedFile): Promise<Uint8Array> {
  return (await ask(s, { type: 'bytes', generation: f.generation, offset: 0, length: f.model.fileSize })).bytes;
}

const diff = (a: Uint8Array, b: Uint8Array) => {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
};

const REG0 = 'cpu (0)/env.regs[0]';

describe('edits in the worker', () => {
  it('edits a register and a CMOS byte, serves the edited bytes, undoes and redoes whole actions, downloads', async () => {
    const s = new Session();
    const orig = fixture('q35-devstate.bin');
    const f0 = await open(s, 'q35-devstate.bin', orig);
    const reg = findField(f0.model, REG0)!.node;
    const cmos = findField(f0.model, 'mc146818rtc (0)/cmos_data')!.node;

    const f1 = applied(await edit(s, f0, { kind: 'field', path: REG0, value: '0x1234abcd' }));
    expect(f1.generation).toBeGreaterThan(f0.generation);
    expect(findField(f1.model, REG0)!.node.value).toBe(0x1234abcd);
    expect(f1.edits.changed).toEqual([{ from: reg.offset + 4, to: reg.offset + 8 }]);
    expect(f1.dirty).toEqual({ from: reg.offset, to: reg.offset + 8 });
    const f2 = applied(await edit(s, f1, { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }));
    expect(f2.edits.done.map((a) => a.parts[0].path)).toEqual([REG0, 'mc146818rtc (0)/cmos_data[63]']);
    expect(f2.edits.done[1].parts[0]).toMatchObject({ before: '0x00', after: '0x5a' });
    expect(f2.edits.framing).toEqual({ ok: true, reasons: [] });

    const edited = await fileBytes(s, f2);
    expect(diff(orig, edited)).toEqual([reg.offset + 4, reg.offset + 5, reg.offset + 6, reg.offset + 7, cmos.offset + 63]);
    // A stale generation cannot read the edited bytes as if they were the old ones: the one reply
    // is a 'stale' error with no bytes in it, while the current generation serves the edit.
    const posted: WorkerMessage[] = [];
    await handle(s, 999, { type: 'bytes', generation: f1.generation, offset: cmos.offset + 63, length: 1 }, (m) => posted.push(m));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ kind: 'reply', id: 999, ok: false, error: { code: 'stale' } });
    expect(JSON.stringify(posted[0])).not.toContain('bytes');
    const now = await ask(s, { type: 'bytes', generation: f2.generation, offset: cmos.offset + 63, length: 1 });
    expect([...now.bytes]).toEqual([0x5a]);

    const u = await ask(s, { type: 'undo', generation: f2.generation });
    expect(u.edits.done).toHaveLength(1);
    expect(u.edits.undone).toEqual(['set mc146818rtc (0)/cmos_data[63]']);
    expect(diff(orig, await fileBytes(s, u))).toHaveLength(4);
    const r = await ask(s, { type: 'redo', generation: u.generation });
    expect(r.edits.done).toHaveLength(2);
    expect(await fileBytes(s, r)).toEqual(edited);

    const dl = await ask(s, { type: 'download', generation: r.generation });
    if (!dl.ok) throw new Error(dl.reasons.join('; '));
    expect(dl.name).toBe('q35-devstate-edited.bin');
    expect(new Uint8Array(await dl.blob.arrayBuffer())).toEqual(edited);
  });

  it('a file without edits downloads byte-identical', async () => {
    const s = new Session();
    const orig = fixture('pc-devstate.bin');
    const f = await open(s, 'pc-devstate.bin', orig);
    const dl = await ask(s, { type: 'download', generation: f.generation });
    if (!dl.ok) throw new Error('refused');
    expect(new Uint8Array(await dl.blob.arrayBuffer())).toEqual(orig);
    expect(dl.name).toBe('pc-devstate-edited.bin');
  });

  it('refuses with the guard reason, offers force, and asks before applying warnings', async () => {
    const s = new Session();
    const f = await open(s, 'q35-devstate.bin');
    const path = '0000:00:00.0/mch (0)/parent_obj.config[0]';
    const config = bytesToHex(findField(f.model, path)!.node.value as Uint8Array);
    const pci = await edit(s, f, { kind: 'field', path, value: `ff${config.slice(2)}` });
    expect(pci).toMatchObject({ status: 'refused', canForce: true });
    expect(pci.status === 'refused' && pci.reason).toContain('get_pci_config_device: Bad config data');
    expect(pci.status === 'refused' && pci.warnings[0]).toContain('read-only');

    const range = await edit(s, f, { kind: 'field', path: REG0, value: '0x1ffffffffffffffff' });
    expect(range).toMatchObject({ status: 'refused', canForce: false });

    const equal = await edit(s, f, { kind: 'field', path: 'PCIBUS (0)/nirq', value: '9' });
    expect(equal).toMatchObject({ status: 'confirm' });
    expect(equal.status === 'confirm' && equal.warnings[0]).toContain('must equal');
    const forced = applied(await edit(s, f, { kind: 'field', path: 'PCIBUS (0)/nirq', value: '9' }, true));
    expect(forced.edits.done[0].warnings[0]).toContain('must equal');
  });

  it('renames a section header to a longer idstr, then reverts it as a new action', async () => {
    const s = new Session();
    const f = await open(s, 'q35-devstate.bin');
    const timer = f.model.records.find((r) => r.idstr === 'timer')!;
    const renamed = applied(await edit(s, f, { kind: 'header', section: { index: timer.index }, change: { idstr: 'timer-renamed' } }));
    expect(renamed.model.fileSize).toBe(f.model.fileSize + 8);
    expect(renamed.model.records[timer.index].idstr).toBe('timer-renamed');
    expect(renamed.dirty).toEqual({ from: timer.offset, to: f.model.fileSize + 8 });
    const back = applied(await edit(s, renamed, { kind: 'revert', id: renamed.edits.done[0].id }));
    expect(back.model.fileSize).toBe(f.model.fileSize);
    expect(back.edits.done.map((a) => a.label)).toEqual(['header of timer (0)', 'revert header of timer (0)']);
    expect(back.edits.changed).toEqual([]);
    expect(await fileBytes(s, back)).toEqual(fixture('q35-devstate.bin'));
  });

  it('blocks a download whose framing broke, with the reason', async () => {
    const s = new Session();
    const f = await open(s, 'q35-devstate.bin');
    const timer = f.model.records.find((r) => r.idstr === 'timer')!;
    const raw = { kind: 'raw' as const, offset: timer.footerOffset!, bytes: Uint8Array.of(0) };
    expect(await edit(s, f, raw)).toMatchObject({ status: 'refused', canForce: true });
    const broken = applied(await edit(s, f, raw, true));
    expect(broken.edits.framing?.ok).toBe(false);
    const dl = await ask(s, { type: 'download', generation: broken.generation });
    expect(dl.ok).toBe(false);
    expect(!dl.ok && dl.reasons.join(' ')).toMatch(/timer|record/);
  });

  it('exports a patch and applies it to another file, refusing a mismatch with the reason', async () => {
    const s = new Session();
    const a = await open(s, 'pc-devstate.bin');
    const a1 = applied(await edit(s, a, { kind: 'field', path: REG0, value: '0x1234' }));
    applied(await edit(s, a1, { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }));
    const { text, edits } = await ask(s, { type: 'export-patch', generation: a1.generation + 1 });
    expect(edits).toBe(2);
    expect(JSON.parse(text)).toMatchObject({ format: 'vmstate-explorer-patch', edits: [{ path: REG0, before: '0', after: '0x1234' }, { before: '0x00', after: '0x5a' }] });

    const b = await open(s, 'pc-migration.bin');
    const b1 = applied(await edit(s, b, { kind: 'patch', text, name: 'a.patch.json' }));
    expect(b1.edits.done).toHaveLength(1);
    expect(b1.edits.done[0].label).toBe('apply a.patch.json (2 edits)');
    expect(findField(b1.model, REG0)!.node.value).toBe(0x1234);
    // Again: the registers no longer hold what the patch expects.
    const again = await edit(s, b1, { kind: 'patch', text, name: 'a.patch.json' });
    expect(again).toMatchObject({ status: 'refused' });
    expect(again.status === 'refused' && again.reason).toContain('the patch expects 0');
    // Undo takes the whole patch back.
    const u = await ask(s, { type: 'undo', generation: b1.generation });
    expect(findField(u.model, REG0)!.node.value).toBe(0);

    const c = await open(s, 'virt-devstate.bin');
    const other = await edit(s, c, { kind: 'patch', text, name: 'a.patch.json' });
    // aarch64 has no RTC CMOS: nothing is applied, and the reason names the entry.
    expect(other.status === 'refused' && other.reason).toBe('edit 2 of 2: the target has no field "mc146818rtc (0)/cmos_data[63]"');
  });

  it('keeps edits for the same bytes across sessions and checks them before restoring', async () => {
    const storage = memoryStorage();
    const s1 = new Session({ storage });
    const f = await open(s1, 'q35-devstate.bin');
    const f1 = applied(await edit(s1, f, { kind: 'field', path: REG0, value: '77' }));
    await ask(s1, { type: 'undo', generation: f1.generation });
    await ask(s1, { type: 'redo', generation: f1.generation + 1 });
    expect(storage.entries.size).toBe(1);

    const s2 = new Session({ storage });
    const again = await open(s2, 'renamed copy.bin', fixture('q35-devstate.bin'));
    expect(again.restored).toEqual({ count: 1 });
    expect(findField(again.model, REG0)!.node.value).toBe(77);
    expect(again.edits.done[0].parts[0]).toMatchObject({ path: REG0, after: '77' });
    const u = await ask(s2, { type: 'undo', generation: again.generation });
    expect(findField(u.model, REG0)!.node.value).toBe(0);
    expect(storage.entries.values().next().value!.done).toHaveLength(0);

    const other = await open(new Session({ storage }), 'pc-devstate.bin');
    expect(other.restored).toBeUndefined();
    expect(other.edits.done).toEqual([]);

    // A file that shares the key but not the edited bytes: the edits are not applied.
    const key = [...storage.entries.keys()][0];
    const saved = storage.entries.get(key)!;
    const s3 = new Session({ storage });
    const f3 = await open(s3, 'q35-devstate.bin');
    applied(await edit(s3, f3, { kind: 'field', path: REG0, value: '5' }));
    const bogus = { ...storage.entries.get(key)!, done: storage.entries.get(key)!.done.map((a) => ({ ...a, splices: a.splices.map((sp) => ({ ...sp, removed: sp.removed.map((x) => x ^ 1) })) })) };
    storage.entries.set(key, bogus);
    const dropped = await open(new Session({ storage }), 'q35-devstate.bin');
    expect(dropped.restored).toMatchObject({ dropped: expect.stringContaining('do not fit') });
    expect(findField(dropped.model, REG0)!.node.value).toBe(0);
    expect(saved.version).toBe(1);
  });

  it('serializes edits sent before the previous reply arrived', async () => {
    const s = new Session();
    const f = await open(s, 'q35-devstate.bin');
    const [a, b] = await Promise.all([
      edit(s, f, { kind: 'field', path: REG0, value: '1' }),
      edit(s, f, { kind: 'field', path: REG0, value: '2' }),
    ]);
    expect(applied(a).edits.done).toHaveLength(1);
    const last = applied(b);
    expect(last.edits.done.map((x) => x.parts[0].before)).toEqual(['0', '1']);
    expect(findField(last.model, REG0)!.node.value).toBe(2);
  });
});

describe('one byte of a buffer', () => {
  it('a refused PCI config byte can be forced by its byte path', async () => {
    const s = new Session();
    const f = await open(s, 'q35-devstate.bin');
    const path = '0000:00:00.0/mch (0)/parent_obj.config[0][0]';
    const refused = await edit(s, f, { kind: 'field', path, value: '0xff' });
    expect(refused).toMatchObject({ status: 'refused', canForce: true });
    const forced = applied(await edit(s, f, { kind: 'field', path, value: '0xff' }, true));
    expect(forced.edits.done[0]).toMatchObject({ label: `set ${path}`, parts: [{ path, before: '0x86', after: '0xff' }] });
    expect(forced.edits.done[0].warnings[0]).toContain('read-only');
  });
});
