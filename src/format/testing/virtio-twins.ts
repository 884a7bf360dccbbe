// Test support (Node only): the real virtio fixtures (public/fixtures/virtio/qemu-<v>/, made by
// scripts/make-virtio-fixtures.mjs; or another group of the same shape, such as hostdev/ from its
// --set hostdev or tpm/ from scripts/make-tpm-fixtures.mjs) whose VM had a given device, each
// device-state file decoded twice: by the description libraries alone and with the JSON of its twin
// migration stream (the oracle).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../byte-source.ts';
import { walkFields } from '../edit/find.ts';
import { createLibrary } from '../library.ts';
import { ARCH_PROBE_BYTES, guessArch } from '../library-load.ts';
import type { StreamModel, StreamRecord } from '../model.ts';
import { loadDescription } from '../vmdesc.ts';
import { FIXTURE_DIR, scanBytes } from './fixtures.ts';
import { libraryJsons } from './libraries.ts';

export const readVirtioFixture = (v: string, f: string, group = 'virtio') => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, group, v, f))));

interface Entry { file: string; describedBy?: string; machine: string; args: string[]; virtiofsd?: string; swtpm?: string }
const manifestOf = (group: string, v: string) => (JSON.parse(readFileSync(join(FIXTURE_DIR, group, v, 'manifest.json'), 'utf8')) as { fixtures: Entry[] }).fixtures;

export interface TwinCase { name: string; group: string; v: string; file: string; machine: string; truth: string; devices: number; virtiofsd?: string; swtpm?: string }

/** Every device-state fixture of GROUP whose command line has device arguments matching `isDevice`, with its twin stream. */
export const twinCases = (isDevice: (arg: string) => boolean, group = 'virtio'): TwinCase[] => readdirSync(join(FIXTURE_DIR, group)).filter((v) => v.startsWith('qemu-')).sort().flatMap((v) => manifestOf(group, v)
  .filter((f) => f.describedBy && f.args.some(isDevice))
  .map((f) => ({ name: `${v}/${f.file}`, group, v, file: f.file, machine: f.machine, truth: f.describedBy!, devices: f.args.filter(isDevice).length, virtiofsd: f.virtiofsd, swtpm: f.swtpm })));

/** The case's device-state file decoded by the libraries of its architecture, and with its twin's JSON. */
export async function decodeTwice(c: TwinCase): Promise<{ withLibrary: StreamModel; withTruth: StreamModel }> {
  const bytes = readVirtioFixture(c.v, c.file, c.group);
  const desc = await loadDescription(memorySource(readVirtioFixture(c.v, c.truth, c.group)));
  const arch = guessArch(bytes.subarray(0, ARCH_PROBE_BYTES));
  const withLibrary = await scanBytes(bytes, { library: createLibrary(libraryJsons(arch ?? undefined)) });
  const withTruth = await scanBytes(bytes, { vmdesc: desc });
  return { withLibrary, withTruth };
}

/** Leaves as offset:size path → value (bytes by content). */
export const recordLeaves = (r: StreamRecord) => new Map([...walkFields(r.fields)].filter((n) => !n.children)
  .map((n) => [`${n.offset}:${n.size} ${n.path}`, n.value instanceof Uint8Array ? Buffer.from(n.value).toString('hex') : String(n.value)]));

/** The section records whose idstr matches `name`. */
export const sectionsNamed = (records: StreamRecord[], name: RegExp) => records.filter((r) => r.kind === 'section' && name.test(r.idstr ?? ''));
