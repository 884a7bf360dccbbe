// The worker's comparison requests: one reply each, devices before the reply, RAM last, cancel.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handle } from './handle.ts';
import type { CompareEvent, Replies, Request, WorkerMessage } from './protocol.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';
import { memorySource } from '../format/byte-source.ts';
import { scanStream } from '../format/scan.ts';
import { hashRam } from '../format/diff/ram-hash.ts';
import { compareRam } from '../format/diff/ram-diff.ts';

const pair = (name: string) => new Blob([readFileSync(new URL(`../../public/fixtures/diff/${name}`, import.meta.url))]);

async function run(s: Session, id: number, request: Request) {
  const messages: WorkerMessage[] = [];
  await handle(s, id, request, (m) => messages.push(m));
  const replies = messages.filter((m) => m.kind === 'reply');
  expect(replies).toHaveLength(1);
  const events = messages.flatMap((m) => (m.kind === 'event' ? [m.event as CompareEvent] : []));
  return { reply: replies[0], events };
}

function value<T extends keyof Replies>(m: WorkerMessage): Replies[T] {
  if (m.kind !== 'reply' || !m.ok) throw new Error(`expected a value, got ${JSON.stringify(m)}`);
  return m.value as Replies[T];
}

describe('compare in the worker', () => {
  it('compares the open file with a second one and serves the second file\'s bytes and records', async () => {
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: pair('cmos-before.bin'), name: 'before' });
    const { reply } = await run(s, 2, { type: 'compare', generation: opened.generation, file: pair('cmos-after.bin'), name: 'after', ignore: [] });
    const c = value<'compare'>(reply);
    const rtc = c.result.sections.find((x) => x.key === 'mc146818rtc (0)')!;
    expect(rtc.fields.map((f) => [f.path, f.left?.text, f.right?.text])).toEqual([['cmos_data[63]', '0x00', '0x5a'], ['cmos_index', '0x00', '0x3f']]);
    expect(c.right.model.records.some((r) => r.fields)).toBe(false);
    const rec = await ask(s, { type: 'compare-record', index: rtc.right!.recordIndex });
    expect(rec.idstr).toBe('mc146818rtc');
    const f = rtc.fields[0].right!;
    const b = await ask(s, { type: 'compare-bytes', offset: f.offset, length: 1 });
    expect([...b.bytes]).toEqual([0x5a]);
    // Another ignore list: the same right file, no rescan.
    const again = await ask(s, { type: 'recompare', generation: opened.generation, ignore: ['mc146818rtc (0)'] });
    expect(again.result.equal).toBe(true);
    expect((await ask(s, { type: 'compare-close' })).closed).toBe(true);
    const gone = await run(s, 9, { type: 'compare-bytes', offset: 0, length: 1 });
    expect(gone.reply).toMatchObject({ ok: false, error: { code: 'no-file' } });
  });

  it('streams: devices from the ends of both files first, then the scanned devices, then RAM page by page', async () => {
    // Files this small are read whole and scanned at once; lowered, they take the large files' way.
    const s = new Session({ compareWholeUpTo: 0 });
    const opened = await ask(s, { type: 'open', file: pair('regs-1-migration.bin'), name: 'regs-1' });
    const { reply, events } = await run(s, 2, { type: 'compare', generation: opened.generation, file: pair('regs-2-migration.bin'), name: 'regs-2', ignore: [] });
    const stages = events.filter((e) => e.type === 'compare-devices').map((e) => (e as { stage: string }).stage);
    expect(stages).toEqual(['devices-first', 'scanned']);
    const first = events.find((e) => e.type === 'compare-devices')!;
    if (first.type !== 'compare-devices') throw new Error();
    expect(first.result.sections.find((x) => x.key === 'cpu (0)')!.status).toBe('changed');
    const c = value<'compare'>(reply);
    expect(c.result.ram!.blocks.find((b) => b.name === 'pc.ram')!.differing).toBeGreaterThan(0);
    // The lockstep comparison (the open file walked beside the scan) against each file's page hashes.
    const [l, r] = await Promise.all(['regs-1-migration.bin', 'regs-2-migration.bin'].map(async (n) => {
      const src = memorySource(new Uint8Array(await pair(n).arrayBuffer()));
      return hashRam(src, (await scanStream(src)).ram);
    }));
    expect(c.result.ram).toEqual(compareRam(l, r, 4096));
    const ram = events.filter((e) => e.type === 'compare-progress' && e.phase === 'ram');
    expect(ram.at(-1)).toMatchObject({ done: expect.any(Number) });
  });

  it('refuses a stale generation and cancels a running comparison', async () => {
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: pair('regs-1-migration.bin'), name: 'regs-1' });
    const stale = await run(s, 2, { type: 'compare', generation: opened.generation + 5, file: pair('regs-2-migration.bin'), name: 'x', ignore: [] });
    expect(stale.reply).toMatchObject({ ok: false, error: { code: 'stale' } });
    const messages: WorkerMessage[] = [];
    const running = handle(s, 3, { type: 'compare', generation: opened.generation, file: pair('regs-2-migration.bin'), name: 'x', ignore: [] }, (m) => messages.push(m));
    expect((await ask(s, { type: 'cancel', target: 3 })).cancelled).toBe(true);
    await running;
    expect(messages.filter((m) => m.kind === 'reply')).toEqual([{ kind: 'reply', id: 3, ok: false, error: { code: 'cancelled', message: 'Cancelled' } }]);
  });

  it('a libvirt save image, raw or xz-compressed, is compared by the stream inside it', async () => {
    const libvirt = (name: string) => new Blob([readFileSync(new URL(`../../public/fixtures/libvirt/${name}`, import.meta.url))]);
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: pair('cmos-before-migration.bin'), name: 'before' });
    const { reply } = await run(s, 2, { type: 'compare', generation: opened.generation, file: libvirt('raw.sav'), name: 'raw.sav', ignore: [] });
    const c = value<'compare'>(reply);
    // Another guest (libvirt's), the same machine type: the devices align by idstr and instance.
    expect(c.result.right.variant).toBe('migration');
    expect(c.result.sections.find((x) => x.key === 'mc146818rtc (0)')!.right).toBeDefined();
    expect(c.result.ram!.blocks.length).toBeGreaterThan(0);
    // xz.sav holds the same guest's stream compressed: decompressed in the worker, it compares the same.
    const xz = value<'compare'>((await run(s, 3, { type: 'compare', generation: opened.generation, file: libvirt('xz.sav'), name: 'xz.sav', ignore: [] })).reply);
    expect(xz.result.right.variant).toBe('migration');
    expect(xz.result.sections.map((x) => [x.key, x.status])).toEqual(c.result.sections.map((x) => [x.key, x.status]));
  });
});
