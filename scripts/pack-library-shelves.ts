// Packs each architecture's description libraries (public/library/qemu-<version>-<arch>.json.gz,
// made by pack-vmdesc-library.mjs, which runs this at its end) into the one file the page's worker
// fetches for that architecture: public/library/shelf-<arch>.bin.gz (src/format/library-load.ts
// packArchShelf). src/format/library-web-shelf.test.ts fails when a shelf no longer matches.
// Usage: node bin/tsx-run.js scripts/pack-library-shelves.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { packArchShelf, shelfEntries, shelfFile, type LibraryIndex } from '../src/format/library-load.ts';
import type { LibraryJson } from '../src/format/library.ts';

const DIR = resolve(import.meta.dirname, '../public/library');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as LibraryIndex;
for (const arch of [...new Set(index.libraries.map((l) => l.arch))]) {
  const entries = shelfEntries(index, arch);
  const jsons = entries.map((l) => JSON.parse(gunzipSync(readFileSync(join(DIR, l.file))).toString('utf8')) as LibraryJson);
  const gz = gzipSync(packArchShelf(jsons, entries), { level: 9 });
  writeFileSync(join(DIR, shelfFile(arch)), gz);
  console.log(`${shelfFile(arch)}: ${entries.map((l) => l.version).join(', ')}; ${gz.length} bytes (the version files: ${entries.reduce((n, l) => n + l.bytes, 0)})`);
}
