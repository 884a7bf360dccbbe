// The quick path after an edit (only the edited device sections decoded again) must give the
// model a full decode of the same bytes gives: checked over seeded random edits, undo and redo.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import { walkFields } from '../format/edit/find.ts';
import { INT_TYPES } from '../format/field-types/index.ts';
import { bundledLibrary } from '../format/library-bundled.ts';
import type { StreamModel } from '../format/model.ts';
import { scanStream } from '../format/scan.ts';
import { prng } from '../format/testing/fixtures.ts';
import type { OpenedFile } from './protocol.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const FILE = new Uint8Array(readFileSync(new URL('../../public/fixtures/q35-migration.bin', import.meta.url)));

/** Without the keys whose value is undefined: the scanner and devicesFirst spell those differently. */
const plain = (m: StreamModel) => JSON.parse(JSON.stringify(m));

async function fullModel(s: Session, f: OpenedFile): Promise<StreamModel> {
  const { bytes } = await ask(s, { type: 'bytes', generation: f.generation, offset: 0, length: f.model.fileSize });
  return (await scanStream(memorySource(bytes), { library: bundledLibrary() })).model;
}

describe('quick re-decode after device edits', { timeout: 120_000 }, () => {
  it('equals a full decode of the edited bytes after every step', async () => {
    const rnd = prng(5);
    const decoded: string[] = [];
    const s = new Session({ quickRescanFrom: 0, onDecode: (how) => decoded.push(how) });
    let f = await ask(s, { type: 'open', file: new Blob([FILE]), name: 'q35-migration.bin' });
    const leaves = f.model.records.filter((r) => r.kind === 'section' && r.sectionType === 'full' && r.idstr !== 'ram').flatMap((r) => [...walkFields(r.fields)].filter((n) => !n.children && INT_TYPES[n.type]?.bytes === n.size));
    const ramData = f.model.records.find((r) => r.idstr === 'ram' && r.sectionType === 'part')!;
    const log: string[] = [];
    for (let step = 0; step < 16; step++) {
      const r = rnd();
      if (r < 0.5) {
        const leaf = leaves[Math.floor(rnd() * leaves.length)];
        const value = String(Math.floor(rnd() * 256));
        log.push(`set ${leaf.path}=${value}`);
        const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'field', path: leaf.path, value }, force: true });
        if (reply.status === 'applied') f = reply.file;
      } else if (r < 0.6) {
        // RAM bytes: not a device section, so the whole file is decoded.
        const at = ramData.dataOffset! + 100 + Math.floor(rnd() * 100);
        log.push(`raw ${at}`);
        const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'raw', offset: at, bytes: Uint8Array.of(0xee) }, force: true });
        if (reply.status === 'applied') f = reply.file;
      } else if (r < 0.8) {
        log.push('undo');
        f = await ask(s, { type: 'undo', generation: f.generation });
      } else {
        log.push('redo');
        f = await ask(s, { type: 'redo', generation: f.generation });
      }
      expect(plain(f.model), log.join('\n')).toEqual(plain(await fullModel(s, f)));
    }
    expect(log.filter((l) => l.startsWith('set')).length).toBeGreaterThan(3);
    expect(decoded.filter((d) => d === 'quick').length).toBeGreaterThan(3);
    expect(decoded).toContain('full');
  });

  it('a header edit that changes the size decodes the whole file', async () => {
    const decoded: string[] = [];
    const s = new Session({ quickRescanFrom: 0, onDecode: (how) => decoded.push(how) });
    const f = await ask(s, { type: 'open', file: new Blob([FILE]), name: 'q35-migration.bin' });
    const apic = f.model.records.find((r) => r.idstr === 'apic')!;
    const reply = await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'header', section: { index: apic.index }, change: { idstr: 'apic-x' } }, force: true });
    if (reply.status !== 'applied') throw new Error(JSON.stringify(reply));
    expect(plain(reply.file.model)).toEqual(plain(await fullModel(s, reply.file)));
    expect(reply.file.model.records[apic.index].idstr).toBe('apic-x');
    expect(decoded).toEqual(['full']);
  });
});
