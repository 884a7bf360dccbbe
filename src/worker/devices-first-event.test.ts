import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handle } from './handle.ts';
import { shelfFile } from '../format/library-load.ts';
import { readLibraryFromDisk } from './testing/library-setup.ts';
import type { StreamModel } from '../format/model.ts';
import type { DevicesFirstEvent, OpenedFile, WorkerMessage } from './protocol.ts';
import { Session } from './session.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../public/fixtures/${name}`, import.meta.url)));

async function openWatching(s: Session, name: string) {
  const order: string[] = [];
  let devices: DevicesFirstEvent | undefined;
  let early: Promise<WorkerMessage[]> | undefined;
  let opened: OpenedFile | undefined;
  await handle(s, 1, { type: 'open', file: new Blob([fixture(name)]), name }, (m) => {
    if (m.kind === 'event') {
      order.push(m.event.type);
      if (m.event.type === 'devices') {
        devices = m.event;
        // While the forward scan runs, the preliminary model's bytes can already be read.
        if (m.event.ok) {
          const got: WorkerMessage[] = [];
          early = handle(s, 2, { type: 'bytes', generation: m.event.generation, offset: 0, length: 4 }, (r) => got.push(r)).then(() => got);
        }
      }
    } else {
      order.push('reply');
      if (m.ok) opened = m.value as OpenedFile;
    }
  });
  return { order, devices, early: await early, opened: opened! };
}

describe('devices first on open (issue #5)', () => {
  it('sends the device sections of a migration stream before scanning it', async () => {
    const { order, devices, early, opened } = await openWatching(new Session(), 'q35-migration.bin');
    expect(order[0]).toBe('devices');
    expect(order.at(-1)).toBe('reply');
    if (!devices?.ok) throw new Error(`no preliminary model: ${JSON.stringify(devices)}`);
    const pre = devices.model;
    expect(pre.records.map((r) => r.index)).toEqual(pre.records.map((_, i) => i));
    expect(pre.records[0].kind).toBe('header');
    expect(pre.records.at(-2)?.kind).toBe('eof');
    expect(pre.records.at(-1)?.kind).toBe('vmdesc');
    expect(pre.complete).toBe(false);
    // Every preliminary device section is the final model's, at the same offset and size, with the same fields.
    const key = (r: { offset: number; size: number; idstr?: string; instanceId?: number }) => `${r.offset}+${r.size} ${r.idstr} ${r.instanceId}`;
    const finalSections = new Map(opened.model.records.filter((r) => r.kind === 'section').map((r) => [key(r), r]));
    const preSections = pre.records.filter((r) => r.kind === 'section');
    expect(preSections.length).toBeGreaterThan(30);
    for (const r of preSections) expect(finalSections.get(key(r))?.fields, key(r)).toEqual(r.fields);
    expect(early?.[0]).toMatchObject({ kind: 'reply', ok: true, value: { bytes: new Uint8Array([0x51, 0x45, 0x56, 0x4d]) } });
    expect(opened.generation).toBe(devices.generation);
  });

  it('says why when a file with a header has no description to locate devices by', async () => {
    const { devices, opened } = await openWatching(new Session(), 'q35-devstate.bin');
    expect(devices).toEqual({ type: 'devices', id: 1, ok: false, reason: 'no JSON VM description at the end of the file' });
    expect(opened.model.records.length).toBeGreaterThan(10);
  });

  it('does not try on a headerless COLO buffer', async () => {
    const { order } = await openWatching(new Session(), 'q35-colo.bin');
    expect(order).not.toContain('devices');
  });

  it('sends a device-state file\'s section table before it works out the likely QEMU version (issue #12)', async () => {
    const s = new Session({ drawPauseMs: 600_000 });
    let outlined: StreamModel | undefined;
    let opened: OpenedFile | undefined;
    await handle(s, 1, { type: 'open', file: new Blob([fixture('q35-devstate.bin')]), name: 'q35-devstate.bin' }, (m) => {
      if (m.kind === 'reply') {
        if (m.ok) opened = m.value as OpenedFile;
        return;
      }
      if (m.event.type !== 'outline') return;
      outlined = m.event.model;
      void handle(s, 2, { type: 'drawn', target: 1 }, () => undefined);
    });
    if (!outlined || !opened) throw new Error('no outline or no reply');
    // The reply has the versions the library's descriptions fit; the outline left before they were known.
    expect(opened.model.likelyQemu).toEqual(['7.2']);
    expect(outlined.likelyQemu).toBeUndefined();
    const { likelyQemu: _, ...rest } = opened.model;
    expect(outlined).toEqual({ ...rest, records: opened.model.records.map(({ fields: _f, ...r }) => r) });
  });

  it('scans on at once, and holds the full model back until the page says it drew the outline', async () => {
    // A pause cap no test run reaches: only 'drawn' lets this open end.
    const s = new Session({ drawPauseMs: 600_000 });
    const seen: string[] = [];
    const drawnReplies: WorkerMessage[] = [];
    await handle(s, 1, { type: 'open', file: new Blob([fixture('q35-migration.bin')]), name: 'm' }, (m) => {
      if (m.kind === 'reply') return void seen.push('reply');
      if (m.event.type !== 'progress' || seen.at(-1) !== 'progress') seen.push(m.event.type);
      if (m.event.type === 'outline') {
        setTimeout(() => {
          seen.push('drawn');
          void handle(s, 2, { type: 'drawn', target: 1 }, (r) => drawnReplies.push(r));
        }, 20);
      }
    });
    expect(seen).toEqual(['devices', 'progress', 'outline', 'drawn', 'reply']);
    expect(drawnReplies).toEqual([{ kind: 'reply', id: 2, ok: true, value: { resumed: true } }]);
    // Nothing is waiting any more.
    expect(s.drawn(1)).toBe(false);
  });

  // The stream's own description decodes every device (preliminary.test.ts): a large stream's open
  // fetches nothing before its section table is out, so the fetch and the parse of the libraries
  // do not take the worker's thread in turns with it (issue #11; Chromium trace of the bench).
  it.each([['a large stream', 0], ['a small file', undefined]] as const)('%s: library requests come after the devices event (large) or from the start (small)', async (_, from) => {
    const seen: string[] = [];
    readLibraryFromDisk((file) => seen.push(`library ${file}`));
    const s = new Session({ devicesBeforeLibraryFrom: from, drawPauseMs: 0 });
    await handle(s, 1, { type: 'open', file: new Blob([fixture('q35-migration.bin')]), name: 'm' }, (m) => {
      if (m.kind === 'event' && m.event.type === 'devices') seen.push(`devices ${m.event.ok}`);
    });
    const devices = seen.indexOf('devices true');
    expect(devices).toBeGreaterThanOrEqual(0);
    // The scan needs the libraries all the same (sections the description lacks): they come.
    expect(seen.filter((x) => x.startsWith('library'))).toEqual(['library index.json', `library ${shelfFile('x86_64')}`]);
    if (from === 0) expect(devices).toBe(0);
    else expect(devices).toBeGreaterThan(0);
  });
});
