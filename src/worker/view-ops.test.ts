// The worker's compatibility check and candidate switching (issue #12), on real files of
// public/compat: the check's verdicts against QEMU's recorded ones (loads.json), a candidate
// switch against the file's true description (the migration stream of the same VM and version).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../format/byte-source.ts';
import type { FieldNode } from '../format/model.ts';
import { scanStream } from '../format/scan.ts';
import { loadDescription } from '../format/vmdesc.ts';
import { setCompatReader } from './compat-fetch.ts';
import { handle } from './handle.ts';
import { Session } from './session.ts';
import { ask } from './test-support.ts';

const DIR = new URL('../../public/compat/', import.meta.url);
const gz = (n: string) => new Uint8Array(gunzipSync(readFileSync(new URL(n, DIR))));
setCompatReader(async (name) => {
  try {
    return gz(`${name}.gz`);
  } catch {
    return null;
  }
});
interface Load { from: string; to: string; vm: string; kind: string; ok: boolean; messages: string[] }
const loads: Load[] = JSON.parse(readFileSync(new URL('loads.json', DIR), 'utf8')).loads;
const recorded = (from: string, to: string, vm: string, kind: string) => loads.find((l) => l.from === from && l.to === to && l.vm === vm && l.kind === kind)!;

async function opened(name: string) {
  const s = new Session();
  const f = await ask(s, { type: 'open', file: new Blob([gz(`${name}.bin.gz`)]), name });
  return { s, f };
}

const leaves = (nodes: readonly FieldNode[] | undefined): string[] =>
  (nodes ?? []).flatMap((n) => (n.children ? leaves(n.children) : [`${n.path}@${n.offset}+${n.size}=${n.value instanceof Uint8Array ? [...n.value].join(',') : String(n.value)}`]));

describe('compat request', () => {
  it.each([
    ['pc-7.2-devstate', '7.2', '10.0', 'pc', 'devstate'],
    ['pc-11.1-devstate', '11.1', '10.0', 'pc', 'devstate'],
    ['q35-10.0-migration', '10.0', '7.2', 'q35', 'migration'],
  ])('%s into QEMU %s -> %s: the verdict and section QEMU recorded', async (name, from, to, vm, kind) => {
    const { s, f } = await opened(name);
    const steps: number[] = [];
    let report: Awaited<ReturnType<Session['compat']>> | undefined;
    await handle(s, 7, { type: 'compat', generation: f.generation, target: to }, (m) => {
      if (m.kind === 'event' && m.event.type === 'progress') steps.push(m.event.scanned);
      if (m.kind === 'reply') report = m.ok ? (m.value as typeof report) : (() => { throw new Error(m.error.message); })();
    });
    const l = recorded(from, to, vm, kind);
    expect(report!.verdict === 'fails').toBe(!l.ok);
    expect(steps.at(-1)).toBe(3);
    if (!l.ok) {
      expect(l.messages.some((m) => m.startsWith(report!.first!.message))).toBe(true);
      const named = /of device '([^']+)'/.exec(l.messages.join(' '))?.[1];
      if (named) expect(report!.first!.section).toBe(`${named} (0)`);
    }
    // A device-state file has no configuration section: the verdict says nothing checks the machine.
    expect(report!.findings.some((x) => /nothing checks the machine type/.test(x.message))).toBe(kind === 'devstate');
  });

  it('refuses an unknown version with the reason, and can be cancelled', async () => {
    const { s, f } = await opened('pc-7.2-devstate');
    await expect(ask(s, { type: 'compat', generation: f.generation, target: '9.9' })).rejects.toThrow(/QEMU 9\.9 is not one of 7\.2, 10\.0, 11\.1/);
    let error = '';
    const done = handle(s, 9, { type: 'compat', generation: f.generation, target: '11.1' }, (m) => {
      if (m.kind === 'reply' && !m.ok) error = m.error.code;
    });
    expect(await ask(s, { type: 'cancel', target: 9 })).toEqual({ cancelled: true });
    await done;
    expect(error).toBe('cancelled');
  });
});

describe('candidate switching', () => {
  // With the libraries of every version the first fit is QEMU 7.2's own e1000e layout; switching
  // to the 10.0/11.1 one (same framing, other fields) and back must give exactly the fields of the
  // description QEMU 7.2 wrote for this VM, and neither switch is an edit.
  it('switches a 7.2 e1000e to another version\'s candidate and back; the 7.2 one decodes exactly as its true description', async () => {
    const { s, f } = await opened('pc-7.2-devstate');
    const index = f.model.records.findIndex((r) => r.idstr?.endsWith('/e1000e'));
    const before = f.model.records[index];
    const { options } = await ask(s, { type: 'candidates', generation: f.generation, record: index });
    expect(options.filter((o) => o.current)).toHaveLength(1);
    const v72 = options.find((o) => o.current)!;
    expect(v72.versions, JSON.stringify(options)).toContain('7.2');
    expect(v72.describedBy.split(';')[0]).toBe(before.describedBy!.split(';')[0]);
    const other = options.find((o) => !o.versions.includes('7.2'))!;
    expect(other, JSON.stringify(options)).toBeDefined();

    // The oracle: the same file decoded with the description QEMU 7.2 wrote for this VM.
    const bytes = gz('pc-7.2-devstate.bin.gz');
    const truth = (await scanStream(memorySource(bytes), { vmdesc: await loadDescription(memorySource(gz('pc-7.2-migration.bin.gz'))) })).model.records.find((r) => r.idstr === before.idstr)!;
    expect(leaves(before.fields)).toEqual(leaves(truth.fields));

    const away = await ask(s, { type: 'use-candidate', generation: f.generation, record: index, candidate: other.id });
    expect(away.generation).toBe(f.generation); // not an edit: same bytes, no history
    expect(away.edits.done).toHaveLength(0);
    const moved = away.model.records[index];
    expect(moved.describedVersions).toEqual(other.versions);
    expect([moved.offset, moved.size, moved.dataSize]).toEqual([before.offset, before.size, before.dataSize]);
    expect(leaves(moved.fields)).not.toEqual(leaves(truth.fields));

    const back = await ask(s, { type: 'use-candidate', generation: f.generation, record: index, candidate: v72.id });
    expect(back.edits.done).toHaveLength(0);
    expect(leaves(back.model.records[index].fields)).toEqual(leaves(truth.fields));
    const again = await ask(s, { type: 'candidates', generation: f.generation, record: index });
    expect(again.options.find((o) => o.current)!.id).toBe(v72.id);
  });

  // An edit decodes the file again; the person's choice must survive it (candidate-choices.ts),
  // whether the edit is in the chosen section or elsewhere. (The quick decode of large streams goes
  // through the same EditOps.decode; device-state files always take the full one.)
  it('keeps the chosen candidate across an edit in its section, an edit elsewhere and an undo', async () => {
    const decodes: string[] = [];
    const s = new Session({ onDecode: (h) => decodes.push(h) });
    const f = await ask(s, { type: 'open', file: new Blob([gz('pc-7.2-devstate.bin.gz')]), name: 'pc-7.2-devstate' });
    const index = f.model.records.findIndex((r) => r.idstr?.endsWith('/e1000e'));
    const { options } = await ask(s, { type: 'candidates', generation: f.generation, record: index });
    const other = options.find((o) => !o.versions.includes('7.2'))!;
    const away = await ask(s, { type: 'use-candidate', generation: f.generation, record: index, candidate: other.id });
    const chosen = away.model.records[index];
    // A byte the chosen layout names and the first fit (7.2's) does not: 10.0's `unused[0]`, 7.2's
    // core.itr_intr_pending (a bool, which could not take 0x5a).
    const firstFit = new Set(leaves(f.model.records[index].fields).map((l) => l.split('=')[0]));
    const leaf = (function find(nodes: readonly FieldNode[] | undefined): FieldNode | undefined {
      for (const n of nodes ?? []) {
        const hit = n.children ? find(n.children) : n.size === 1 && !firstFit.has(`${n.path}@${n.offset}+${n.size}`) ? n : undefined;
        if (hit) return hit;
      }
      return undefined;
    })(chosen.fields)!;
    expect(leaf, 'a field only the chosen layout has').toBeDefined();

    const edited = await ask(s, { type: 'edit', generation: away.generation, edit: { kind: 'field', path: leaf.path, value: '0x5a' }, force: true });
    expect(edited.status, JSON.stringify(edited)).toBe('applied');
    const file = (edited as Extract<typeof edited, { status: 'applied' }>).file;
    expect(decodes).toEqual(['full']);
    const after = file.model.records[index];
    expect(after.describedVersions).toEqual(other.versions);
    const want = leaves(chosen.fields).map((l) => (l.startsWith(`${leaf.path}@`) ? `${leaf.path}@${leaf.offset}+${leaf.size}=90` : l));
    expect(leaves(after.fields)).toEqual(want);
    expect((await ask(s, { type: 'candidates', generation: file.generation, record: index })).options.find((o) => o.current)!.id).toBe(other.id);

    // An edit in another section and an undo keep it too.
    const rtc = await ask(s, { type: 'edit', generation: file.generation, edit: { kind: 'field', path: 'mc146818rtc (0)/cmos_data[63]', value: '0x5a' }, force: true });
    const f2 = (rtc as Extract<typeof rtc, { status: 'applied' }>).file;
    expect(f2.model.records[index].describedVersions).toEqual(other.versions);
    const undone = await ask(s, { type: 'undo', generation: f2.generation });
    expect(undone.model.records[index].describedVersions).toEqual(other.versions);
    expect(leaves(undone.model.records[index].fields)).toEqual(want);
  });

  it('refuses a candidate that does not frame the section', async () => {
    const { s, f } = await opened('pc-7.2-devstate');
    const index = f.model.records.findIndex((r) => r.idstr?.endsWith('/e1000e'));
    await expect(ask(s, { type: 'use-candidate', generation: f.generation, record: index, candidate: 999 })).rejects.toThrow(/No library description #999/);
  });
});
