// `node bin/tsx-run.js scripts/model-hashes.ts [--out FILE] [--check FILE]`: one SHA-256 per real
// stream among the fixtures of the model it decodes to, twice: with the stream's own description
// (as opened) and cut before it (the bundled library alone). A change meant to alter only what
// damaged files give (a bound, a check) must leave every line equal: save the list before the
// change with --out, then run --check after it. Prints the streams whose hash differs; exit 1 if any.
// Each model is the one a person sees: sections read with the likely QEMU version's layouts
// (likely-layouts.ts); a differing line says which sections were read so.
// The pseries streams whose sections another pseries file has are left out (library-shelf.test.ts:
// their hash page tables make models of 40-80 MB of JSON and seconds each).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { memorySource } from '../src/format/byte-source.ts';
import type { StreamModel } from '../src/format/model.ts';
import { FIXTURE_DIR, scanBytes } from '../src/format/testing/fixtures.ts';
import { createLibrary } from '../src/format/library.ts';
import { libraryJsons } from '../src/format/testing/libraries.ts';
import { locateVmdesc } from '../src/format/vmdesc.ts';
import { likelyLayouts } from '../src/format/likely-layouts.ts';

const SAME_SECTIONS = /^guess\/pseries-|\/(hostdev-)?pseries-migration/;
function streams(dir = FIXTURE_DIR): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return streams(p);
    const name = relative(FIXTURE_DIR, p);
    return /\.bin(\.gz)?$|\.stream\.gz$/.test(f) && !SAME_SECTIONS.test(name) ? [name] : [];
  });
}

const text = (m: StreamModel) => JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? `${v}n` : v));
const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const library = createLibrary(libraryJsons());
const lines: string[] = [];
/** Per line, the sections read again with the likely QEMU version's layouts (printed beside a differing hash). */
const reread = new Map<string, string>();
/** The model as the page and the CLI show it: sections with the likely version's layouts (likely-layouts.ts). */
async function shown(bytes: Uint8Array, line: string): Promise<string> {
  const { model, picks } = await likelyLayouts(await scanBytes(bytes, { library }), memorySource(bytes), library);
  if (picks.length) reread.set(line, picks.map((p) => `${model.records[p.index].idstr} -> ${model.records[p.index].describedVersions?.join('/')}`).join(', '));
  return `${sha(text(model))} ${line}`;
}
for (const name of streams()) {
  const raw = readFileSync(join(FIXTURE_DIR, name));
  const bytes = new Uint8Array(name.endsWith('.gz') ? gunzipSync(raw) : raw);
  const own = await locateVmdesc(memorySource(bytes));
  lines.push(await shown(bytes, name));
  if (own) lines.push(await shown(bytes.subarray(0, own.recordOffset), `${name} (cut before its description)`));
}
const out = arg('--out');
if (out) writeFileSync(out, lines.join('\n') + '\n');
const check = arg('--check');
if (check) {
  const before = new Set(readFileSync(check, 'utf8').split('\n').filter(Boolean));
  const differ = lines.filter((l) => !before.has(l));
  for (const l of differ) console.log(`differs: ${l}${reread.has(l.slice(17)) ? ` (re-read: ${reread.get(l.slice(17))})` : ''}`);
  console.log(`${lines.length - differ.length} of ${lines.length} models as before`);
  process.exitCode = differ.length || lines.length !== before.size ? 1 : 0;
} else if (!out) console.log(lines.join('\n'));
