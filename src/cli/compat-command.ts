// `check FILE... --target VERSION[:MACHINE]`: will these files load into that QEMU? One JSON line per
// file (a host's whole save directory can be checked before an upgrade), or a readable report for
// a single file. The target's facts and its reference VM state ship in public/compat/ (made by
// scripts/make-compat-fixtures.mjs from the real QEMU versions).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../format/byte-source.ts';
import { checkCompat, machineFamily, type CompatReport, type CompatTarget, type ReferenceState } from '../format/compat/check.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { scanStream } from '../format/scan.ts';
import { loadDescription, type Vmdesc } from '../format/vmdesc.ts';
import { fileSource } from './node-source.ts';
import { publicDir } from './public-dir.ts';

const compatDir = () => publicDir('compat', 'loads.json');
const gz = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(compatDir(), name))));

export const COMPAT_VERSIONS = ['7.2', '10.0', '11.1'];

/** Parses "10.0" or "10.0:pc-q35-10.0" (the machine may be an alias such as "q35"). */
export function parseTarget(text: string): { version: string; machine?: string } {
  const [version, machine] = text.split(':');
  if (!COMPAT_VERSIONS.includes(version)) throw new Error(`--target: QEMU ${version} is not one of ${COMPAT_VERSIONS.join(', ')}`);
  return { version, machine: machine || undefined };
}

const targets = new Map<string, CompatTarget>();
const references = new Map<string, ReferenceState | null>();

function loadTarget(version: string): CompatTarget {
  if (!targets.has(version)) targets.set(version, JSON.parse(new TextDecoder().decode(gz(`qemu-${version}-x86_64.json.gz`))));
  return targets.get(version)!;
}

/** The target's own device state of its reference VM of that family, decoded with its description. */
async function loadReference(version: string, family: string): Promise<ReferenceState | null> {
  const key = `${family}-${version}`;
  if (!references.has(key)) {
    if (!existsSync(join(compatDir(), `${key}-devstate.bin.gz`))) references.set(key, null);
    else {
      const bytes = gz(`${key}-devstate.bin.gz`);
      const vmdesc = await loadDescription(memorySource(gz(`${key}-migration.bin.gz`)));
      const { model } = await scanStream(memorySource(bytes), { vmdesc });
      references.set(key, { model, read: async (o, n) => bytes.subarray(o, o + n) });
    }
  }
  return references.get(key)!;
}

export async function checkFile(path: string, target: { version: string; machine?: string }, opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary }): Promise<CompatReport> {
  const src = await fileSource(path);
  try {
    const { model } = await scanStream(src, opts);
    const data = loadTarget(target.version);
    const reference = await loadReference(target.version, machineFamily(model));
    return await checkCompat(model, (o, n) => src.read(o, n), data, reference, target.machine);
  } finally {
    await src.close();
  }
}

/** One line per finding, the verdict last: what `check FILE --target V` prints for one file. */
export function formatReport(file: string, r: CompatReport): string {
  const lines = r.findings.map((f) => `${f.severity}${f.section ? ` ${f.section}` : ''}${f.offset !== undefined ? ` at 0x${f.offset.toString(16)}` : ''}: ${f.message}`);
  lines.push(`${file}: ${r.verdict} into ${r.target} (${r.machine})${r.first ? `: QEMU would print "${r.first.message}"${r.first.section ? ` for ${r.first.section}` : ''}` : ''}`);
  return lines.join('\n') + '\n';
}
