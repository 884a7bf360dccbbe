import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handle } from './handle.ts';
import type { Replies, Request, WorkerMessage } from './protocol.ts';
import { RAM_CELL } from './protocol.ts';
import { Session } from './session.ts';

const fixture = (name: string) => readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url));

/** Runs one request; returns every message posted for it and the transfer lists. */
async function run(session: Session, id: number, request: Request) {
  const messages: { msg: WorkerMessage; transfer?: Transferable[] }[] = [];
  await handle(session, id, request, (msg, transfer) => messages.push({ msg, transfer }));
  const replies = messages.filter((m) => m.msg.kind === 'reply');
  expect(replies).toHaveLength(1);
  return { messages, reply: replies[0] };
}

function value<T extends keyof Replies>(m: WorkerMessage): Replies[T] {
  if (m.kind !== 'reply' || !m.ok) throw new Error(`expected a value, got ${JSON.stringify(m)}`);
  return m.value as Replies[T];
}

describe('worker request handling', () => {
  it('opens a real migration stream, reports progress to the end and serves its bytes', async () => {
    const bytes = fixture('q35-migration.bin');
    const s = new Session();
    const { messages, reply } = await run(s, 1, { type: 'open', file: new Blob([bytes]), name: 'q35-migration.bin' });
    const opened = value<'open'>(reply.msg);
    expect(opened.model.fileSize).toBe(bytes.length);
    expect(opened.model.records.some((r) => r.idstr === 'cpu')).toBe(true);
    const events = messages.filter((m) => m.msg.kind === 'event').map((m) => (m.msg as Extract<WorkerMessage, { kind: 'event' }>).event);
    expect(events.filter((e) => e.type === 'progress').at(-1)).toEqual({ type: 'progress', id: 1, scanned: bytes.length, total: bytes.length });
    // Its field trees are large, so the section table went first: the same records, no trees.
    const outline = events.at(-1);
    if (outline?.type !== 'outline') throw new Error(`last event ${outline?.type}, not the outline`);
    expect(outline.generation).toBe(opened.generation);
    expect(outline.model.records.map((r) => [r.offset, r.size, r.idstr])).toEqual(opened.model.records.map((r) => [r.offset, r.size, r.idstr]));
    expect(outline.model.records.some((r) => r.fields)).toBe(false);

    const got = await run(s, 2, { type: 'bytes', generation: opened.generation, offset: 100, length: 64 });
    const b = value<'bytes'>(got.reply.msg);
    expect([...b.bytes]).toEqual([...bytes.subarray(100, 164)]);
    expect(got.reply.transfer).toEqual([b.bytes.buffer]);
  });

  it('answers a stale or malformed request with one error', async () => {
    const s = new Session();
    const none = await run(s, 1, { type: 'bytes', generation: 1, offset: 0, length: 4 });
    expect(none.reply.msg).toMatchObject({ ok: false, error: { code: 'no-file' } });
    await run(s, 2, { type: 'open', file: new Blob([fixture('q35-devstate.bin')]), name: 'a' });
    const stale = await run(s, 3, { type: 'bytes', generation: 99, offset: 0, length: 4 });
    expect(stale.reply.msg).toMatchObject({ ok: false, error: { code: 'stale' } });
    const huge = await run(s, 4, { type: 'bytes', generation: 1, offset: 0, length: 1e12 });
    expect(huge.reply.msg).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const unknown = await run(s, 5, { type: 'nonsense' } as unknown as Request);
    expect(unknown.reply.msg).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('cancels a running scan: the open fails with cancelled and the old file stays', async () => {
    const s = new Session();
    const first = await run(s, 1, { type: 'open', file: new Blob([fixture('q35-devstate.bin')]), name: 'first' });
    const messages: WorkerMessage[] = [];
    const pending = handle(s, 2, { type: 'open', file: new Blob([fixture('q35-migration.bin')]), name: 'second' }, (m) => messages.push(m));
    const cancel = await run(s, 3, { type: 'cancel', target: 2 });
    expect(value<'cancel'>(cancel.reply.msg).cancelled).toBe(true);
    await pending;
    expect(messages.filter((m) => m.kind === 'reply')).toEqual([{ kind: 'reply', id: 2, ok: false, error: { code: 'cancelled', message: 'Cancelled' } }]);
    const gen = value<'open'>(first.reply.msg).generation;
    const still = await run(s, 4, { type: 'bytes', generation: gen, offset: 0, length: 4 });
    expect(value<'bytes'>(still.reply.msg).bytes.length).toBe(4);
  });

  it('re-decodes a device-state file with a description taken from a migration stream', async () => {
    const s = new Session();
    const plain = value<'open'>((await run(s, 1, { type: 'open', file: new Blob([fixture('q35-devstate.bin')]), name: 'dev' })).reply.msg);
    expect(plain.model.records.find((r) => r.idstr === 'cpu')?.decodedBy).toBe('bundled');
    const desc = await run(s, 2, { type: 'describe', file: new Blob([fixture('q35-migration.bin')]), name: 'q35-migration.bin' });
    const described = value<'describe'>(desc.reply.msg);
    expect(described.description).toBe('q35-migration.bin');
    expect(described.generation).toBe(plain.generation);
    const cpu = described.model.records.find((r) => r.idstr === 'cpu');
    expect(cpu?.decodedBy).toBe('supplied');
    expect(cpu?.fields?.[0].name).toBe('env.regs');
  });

  it('pictures and exports a RAM block whose pattern pages match the bytes QEMU loaded', async () => {
    const manifest = JSON.parse(fixture('manifest.json').toString('utf8'));
    const entry = manifest.fixtures.find((f: { file: string }) => f.file === 'pc-ram-migration.bin');
    const at = parseInt(entry.ramPattern.guestPhysAddr, 16);
    const pattern = fixture(entry.ramPattern.file);
    const s = new Session();
    const gen = value<'open'>((await run(s, 1, { type: 'open', file: new Blob([fixture('pc-ram-migration.bin')]), name: 'ram' })).reply.msg).generation;

    const pic = value<'ram-picture'>((await run(s, 2, { type: 'ram-picture', generation: gen, block: 'pc.ram', cells: 1e9 })).reply.msg);
    expect(pic.pagesPerCell).toBe(1);
    expect(pic.cells[at / 4096]).toBe(RAM_CELL.data);
    expect(pic.cells[0]).toBe(RAM_CELL.zero);

    const exp = value<'ram-export'>((await run(s, 3, { type: 'ram-export', generation: gen, block: 'pc.ram' })).reply.msg);
    expect(exp.blob.size).toBe(16 * 1024 * 1024);
    const image = new Uint8Array(await exp.blob.arrayBuffer());
    expect(Buffer.from(image.subarray(at, at + pattern.length)).equals(pattern)).toBe(true);
    expect(image.subarray(0, 4096).every((b) => b === 0)).toBe(true);

    // The BIOS block's first page follows a block switch, so its record carries the block name:
    // the image must still equal the firmware file Debian's QEMU 7.2 loaded for -M pc.
    const bios = value<'ram-export'>((await run(s, 4, { type: 'ram-export', generation: gen, block: 'pc.bios' })).reply.msg);
    const firmware = readFileSync('/usr/share/seabios/bios-256k.bin');
    expect(Buffer.from(await bios.blob.arrayBuffer()).equals(firmware)).toBe(true);

    // A block of one data page: that record carries the block name. The ACPI linker/loader script
    // starts with an ALLOCATE command, le32 1, then a file name (hw/acpi/bios-linker-loader.c).
    const loader = value<'ram-export'>((await run(s, 5, { type: 'ram-export', generation: gen, block: '/rom@etc/table-loader' })).reply.msg);
    const script = Buffer.from(await loader.blob.arrayBuffer());
    expect(script.length).toBe(4096);
    expect([...script.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
    expect(script.subarray(4, 13).toString('latin1')).toBe('etc/acpi/');
  });
});
