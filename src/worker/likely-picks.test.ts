// The page's model of a real QEMU 10.0 device-state file (public/compat pc-10.0-devstate): sections
// read with QEMU 10.0's layouts (format/likely-layouts.ts) as defaults that a person's choice
// overrides, both kept across edits and undo, and the comparison's second file read the same way.
// Oracle: the file decoded with the JSON description QEMU 10.0 wrote for the same VM.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import type { FieldNode, StreamRecord } from '../format/model.ts';
import { scanStream } from '../format/scan.ts';
import { loadDescription } from '../format/vmdesc.ts';
import { Session } from './session.ts';
import { appliedFile, ask } from './test-support.ts';

const gz = (n: string) => new Uint8Array(gunzipSync(readFileSync(new URL(`../../public/compat/${n}.bin.gz`, import.meta.url))));
const leaves = (nodes: readonly FieldNode[] | undefined): string[] =>
  (nodes ?? []).flatMap((n) => (n.children ? leaves(n.children) : [`${n.path}@${n.offset}+${n.size}=${n.value instanceof Uint8Array ? [...n.value].join(',') : String(n.value)}`]));
const globalstate = (records: readonly StreamRecord[]) => records.findIndex((r) => r.idstr === 'globalstate');

async function truth(bytes: Uint8Array) {
  const vmdesc = await loadDescription(memorySource(gz('pc-10.0-migration')));
  return (await scanStream(memorySource(bytes), { vmdesc })).model;
}

describe('sections read with the likely QEMU version\'s layouts in the worker', () => {
  it('opens with QEMU 10.0\'s globalstate; a person\'s choice of 7.2\'s overrides it and survives an edit and an undo', async () => {
    const bytes = gz('pc-10.0-devstate');
    const s = new Session();
    const f = await ask(s, { type: 'open', file: new Blob([bytes]), name: 'pc-10.0-devstate' });
    expect(f.model.likelyQemu).toEqual(['10.0']);
    const i = globalstate(f.model.records);
    const want = await truth(bytes);
    expect(f.model.records[i].describedBy).toMatch(/^QEMU 10\.0, /);
    expect(leaves(f.model.records[i].fields)).toEqual(leaves(want.records[globalstate(want.records)].fields));

    // "Other descriptions…": the likely version's is current, 7.2's is still offered.
    const { options } = await ask(s, { type: 'candidates', generation: f.generation, record: i });
    expect(options.find((o) => o.current)!.versions).toContain('10.0');
    const v72 = options.find((o) => o.versions.includes('7.2'))!;
    expect(v72, JSON.stringify(options)).toBeDefined();
    const chosen = await ask(s, { type: 'use-candidate', generation: f.generation, record: i, candidate: v72.id });
    expect(chosen.model.records[i].describedVersions).toEqual(v72.versions);

    const rtc = appliedFile(await ask(s, { type: 'edit', generation: chosen.generation, edit: { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }, force: true }));
    expect(rtc.model.records[i].describedVersions).toEqual(v72.versions);
    const undone = await ask(s, { type: 'undo', generation: rtc.generation });
    expect(undone.model.records[i].describedVersions).toEqual(v72.versions);
    expect((await ask(s, { type: 'candidates', generation: undone.generation, record: i })).options.find((o) => o.current)!.id).toBe(v72.id);
  });

  it('edits vm_was_suspended by its 10.0 name; the re-decode keeps 10.0\'s layout; a comparison names the field the same way', async () => {
    const bytes = gz('pc-10.0-devstate');
    const s = new Session();
    const f = await ask(s, { type: 'open', file: new Blob([bytes]), name: 'pc-10.0-devstate' });
    const i = globalstate(f.model.records);
    const path = 'globalstate (0)/vm_was_suspended';
    const edited = appliedFile(await ask(s, { type: 'edit', generation: f.generation, edit: { kind: 'field', path, value: '1' }, force: false }));
    const r = edited.model.records[i];
    expect(r.describedBy).toMatch(/^QEMU 10\.0, /);
    expect(leaves(r.fields).find((l) => l.startsWith(`${path}@`))).toMatch(/=1$/);
    expect((await ask(s, { type: 'candidates', generation: edited.generation, record: i })).options.find((o) => o.current)!.versions).toContain('10.0');

    // The unedited file compared with the edited one: the one field, by QEMU 10.0's name, on both sides.
    const t = await ask(s, { type: 'compare', generation: edited.generation, file: new Blob([bytes]), name: 'original', ignore: [] });
    const changed = t.result.sections.filter((x) => x.status !== 'same');
    expect(changed.map((x) => [x.key, x.fields.map((d) => [d.path, d.left?.text, d.right?.text])])).toEqual([['globalstate (0)', [['vm_was_suspended', '0x01', '0x00']]]]);
  });
});
