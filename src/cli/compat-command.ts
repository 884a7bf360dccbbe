// `check FILE... --target VERSION[:MACHINE]`: will these files load into that QEMU? One JSON line per
// file (a host's whole save directory can be checked before an upgrade), or a readable report for
// a single file. The target's facts and its reference VM states ship in public/compat/ (made by
// scripts/make-compat-fixtures.mjs from the real QEMU versions); format/compat/run.ts does the rest,
// as it does in the page's worker.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CompatReport } from '../format/compat/check.ts';
import { checkAgainst, CompatData, parseTarget as parseSpec, type CompatTargetSpec } from '../format/compat/run.ts';
import type { DescriptionLibrary } from '../format/descriptions.ts';
import { scanStream } from '../format/scan.ts';
import { likelyLayouts } from '../format/likely-layouts.ts';
import type { Vmdesc } from '../format/vmdesc.ts';
import { openInput } from './container-open.ts';
import { publicDir } from './public-dir.ts';

export { COMPAT_VERSIONS } from '../format/compat/run.ts';

const compatDir = () => publicDir('compat', 'loads.json');

/** public/compat files, gunzipped: the data is read once per process however many files are checked. */
const data = new CompatData(async (name) => {
  const path = join(compatDir(), `${name}.gz`);
  return existsSync(path) ? new Uint8Array(gunzipSync(readFileSync(path))) : null;
});

/** Parses "10.0" or "10.0:pc-q35-10.0" (the machine may be an alias such as "q35"). */
export function parseTarget(text: string): CompatTargetSpec {
  try {
    return parseSpec(text);
  } catch (e) {
    throw new Error(`--target: ${(e as Error).message}`);
  }
}

export async function checkFile(path: string, target: CompatTargetSpec, opts: { vmdesc?: Vmdesc; library?: DescriptionLibrary }): Promise<CompatReport> {
  // Through the container layer, as inspect and check open a file: a libvirt, xl or qcow2 image
  // (IMAGE@SNAPSHOT too) is checked by the QEMU stream inside it, not by its own bytes.
  const input = await openInput(path);
  const src = input.stream;
  try {
    // Decoded as the page's check sees the file: with the likely QEMU version's layouts.
    const { model } = await likelyLayouts((await scanStream(src, opts)).model, src, opts.library);
    // The image's own damage (a cut compressed stream) stops the load as the stream's would.
    const problems = [...(input.container?.problems ?? []), ...model.problems];
    return await checkAgainst({ ...model, problems }, (o, n) => src.read(o, n), target, data);
  } finally {
    await input.close();
  }
}

/** One line per finding, the verdict last: what `check FILE --target V` prints for one file. */
export function formatReport(file: string, r: CompatReport): string {
  const lines = r.findings.map((f) => `${f.severity}${f.section ? ` ${f.section}` : ''}${f.offset !== undefined ? ` at 0x${f.offset.toString(16)}` : ''}: ${f.message}`);
  lines.push(`${file}: ${r.verdict} into ${r.target} (${r.machine})${r.first ? (r.first.damage ? `: ${r.first.message}` : `: QEMU would print "${r.first.message}"${r.first.section ? ` for ${r.first.section}` : ''}`) : ''}`);
  return lines.join('\n') + '\n';
}
