// The virtio state decoder against oracles outside it:
// - every `virtio` field of every real migration stream (QEMU 7.2, 10.0, 11.1; pc, q35, microvm,
//   virt, pseries, s390x; PCI, CCW and MMIO) ends exactly where QEMU's own JSON description says,
//   and its nodes re-encode to the file's bytes;
// - every real device-state file (no description inside) decoded with the packed libraries frames
//   its virtio sections exactly as, and with the same values as, the decode with the JSON
//   description of a migration stream of the same VM, footers or not.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../byte-source.ts';
import { Cursor } from '../cursor.ts';
import type { DescriptionLibrary } from '../descriptions.ts';
import { walkFields } from '../edit/find.ts';
import { concat, encodeNode } from '../encode.ts';
import { createLibrary } from '../library.ts';
import { ARCH_PROBE_BYTES, guessArch } from '../library-load.ts';
import type { FieldNode, StreamModel } from '../model.ts';
import { FIXTURE_DIR, manifest, scanBytes } from '../testing/fixtures.ts';
import { libraryJsons } from '../testing/libraries.ts';
import { loadDescription, type Vmdesc } from '../vmdesc.ts';
import { newContext } from '../vmsd-decoder.ts';
import { decodeVirtioState } from './virtio-state.ts';

const PUBLIC = join(FIXTURE_DIR, '..');
const read = (rel: string) => {
  const b = readFileSync(join(PUBLIC, rel));
  return new Uint8Array(rel.endsWith('.gz') ? gunzipSync(b) : b);
};
const ls = (dir: string) => (existsSync(join(PUBLIC, dir)) ? readdirSync(join(PUBLIC, dir)).sort() : []);

/** Device-state (and COLO, Xen) files and the migration stream of the same VM. */
const PAIRS: { file: string; truth: string }[] = [
  ...manifest().fixtures.filter((f) => f.kind !== 'migration' && f.describedBy).map((f) => ({ file: `fixtures/${f.file}`, truth: `fixtures/${f.describedBy}` })),
  ...['qemu10', 'qemu11'].flatMap((d) => (JSON.parse(readFileSync(join(FIXTURE_DIR, d, 'manifest.json'), 'utf8')).fixtures as { file: string; kind: string; describedBy: string }[])
    .filter((f) => f.kind === 'devstate').map((f) => ({ file: `fixtures/${d}/${f.file}`, truth: `fixtures/${d}/${f.describedBy}` }))),
  ...ls('fixtures/heldout').flatMap((v) => ls(`fixtures/heldout/${v}`).filter((f) => f.endsWith('-devstate.bin.gz'))
    .map((f) => ({ file: `fixtures/heldout/${v}/${f}`, truth: `fixtures/heldout/${v}/${f.replace('-devstate', '-migration')}` }))),
  ...ls('compat').filter((f) => f.endsWith('-devstate.bin.gz')).map((f) => ({ file: `compat/${f}`, truth: `compat/${f.replace('-devstate', '-migration')}` })),
  // scripts/make-virtio-fixtures.mjs: the devices added for issue 12, with and without footers. Not
  // the vhost-user-fs machines (vufs-*): their sections end with virtiofsd's state, a type the
  // decoder shows as opaque bytes (a problem here); vhost-user-fs.test.ts checks them.
  ...ls('fixtures/virtio').flatMap((v) => (JSON.parse(readFileSync(join(FIXTURE_DIR, 'virtio', v, 'manifest.json'), 'utf8')).fixtures as { file: string; describedBy?: string; machine: string }[])
    .filter((f) => f.describedBy && !f.machine.startsWith('vufs-')).map((f) => ({ file: `fixtures/virtio/${v}/${f.file}`, truth: `fixtures/virtio/${v}/${f.describedBy}` }))),
];
const STREAMS = [...new Set(PAIRS.map((p) => p.truth))];

const virtioFields = (m: StreamModel) => m.records.flatMap((r) => (r.fields ?? []).filter((f) => f.type === 'virtio').map((n) => ({ r, n })));
const describedSize = (d: Vmdesc, idstr: string, instance: number) => d.devices.find((x) => x.name === idstr && x.instance_id === instance)?.fields?.find((f) => f.type === 'virtio')?.size;

describe('virtio state in real migration streams ends where QEMU\'s JSON description says', { timeout: 120_000 }, () => {
  it.each(STREAMS)('%s', async (rel) => {
    const bytes = read(rel);
    const desc = await loadDescription(memorySource(bytes));
    const model = await scanBytes(bytes, { vmdesc: desc });
    const fields = virtioFields(model);
    expect(fields.length).toBeGreaterThan(0);
    for (const { r, n } of fields) {
      const c = new Cursor({ bytes, base: 0, atEnd: true, fileSize: bytes.length }, n.offset);
      const nodes = decodeVirtioState(c, r.idstr!, r.vmsdName!, 'virtio.', newContext(false));
      expect(c.pos - n.offset, r.idstr).toBe(describedSize(desc, r.idstr!, r.instanceId!));
      // The scan took the same layout: the field is decoded, not a blob.
      expect(n.kind, r.idstr).toBe('struct');
      // The nodes tile the state and write back its bytes.
      let at = n.offset;
      for (const k of nodes) [expect(k.offset, k.path).toBe(at), at += k.size];
      const raw = (o: number, s: number) => Promise.resolve(bytes.subarray(o, o + s));
      const out = concat((await Promise.all(nodes.map((k) => encodeNode(k, raw)))).flat());
      expect(Buffer.from(out).equals(Buffer.from(bytes.subarray(n.offset, c.pos))), r.idstr).toBe(true);
    }
  });
});

const libraries = new Map<string, DescriptionLibrary>();
const libraryFor = (bytes: Uint8Array) => {
  const arch = guessArch(bytes.subarray(0, ARCH_PROBE_BYTES)) ?? '';
  return libraries.get(arch) ?? libraries.set(arch, createLibrary(libraryJsons(arch || undefined))).get(arch)!;
};

/** Leaves by offset:size, byte values compared by content. */
function leaves(n: FieldNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of walkFields([n])) if (!k.children) out.set(`${k.offset}:${k.size}`, k.value instanceof Uint8Array ? Buffer.from(k.value).toString('hex') : String(k.value));
  return out;
}

/**
 * Sections known to end by the next-header heuristic in footer-less files, and why. pseries with a
 * PCI device: the PHB's TCE table is section spapr_iommu with instance id 0x80000000 (its LIOBN),
 * which records.ts plausibleSectionHeader accepts only right after a footer, so without footers
 * the section before it (spapr_nvram) runs on to the next header it accepts. Not virtio: the
 * virtio sections after it still frame exactly (below).
 */
const KNOWN_HEURISTIC = (file: string) => (/\/pseries-nofooter-devstate/.test(file) ? ['nvram@71000000/spapr_nvram'] : []);

describe('device-state files: virtio sections framed and valued as with the true description', { timeout: 120_000 }, () => {
  it.each(PAIRS)('$file', async ({ file, truth }) => {
    const bytes = read(file);
    const desc = await loadDescription(memorySource(read(truth)));
    const withLibrary = await scanBytes(bytes, { library: libraryFor(bytes) });
    const withTruth = await scanBytes(bytes, { vmdesc: desc });
    const expected = virtioFields(withTruth);
    expect(expected.length).toBeGreaterThan(0);
    // No section of the file ends by the next-header heuristic (Xen files have no footers), but the known ones.
    expect(withLibrary.records.filter((r) => r.heuristic).map((r) => r.idstr)).toEqual(KNOWN_HEURISTIC(file));
    for (const { r: t, n: tn } of expected) {
      expect(tn.size, t.idstr).toBe(describedSize(desc, t.idstr!, t.instanceId!));
      const r = withLibrary.records.find((x) => x.offset === t.offset)!;
      expect([r.idstr, r.size, r.dataSize, r.footerOffset, r.exact, r.problems]).toEqual([t.idstr, t.size, t.dataSize, t.footerOffset, true, []]);
      const n = r.fields!.find((f) => f.type === 'virtio')!;
      expect([n.offset, n.size, n.kind]).toEqual([tn.offset, tn.size, 'struct']);
      const mine = leaves(n);
      const theirs = leaves(tn);
      expect(mine.size, t.idstr).toBe(theirs.size);
      for (const [k, v] of theirs) if (mine.get(k) !== v) expect(`${k} ${mine.get(k)}`, t.idstr).toBe(`${k} ${v}`);
    }
  });
});
