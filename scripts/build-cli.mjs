// Compiles the CLI (src/cli/main.ts and what it imports) into dist-cli/ with esbuild, so
// `node bin/vmstate-explorer.js` starts without compiling TypeScript at every run (issue #10:
// half a second of start-up through tsx). Run by `npm ci` / `npm install` (the prepare script)
// and `npm run build`; bin/vmstate-explorer.js runs it again when dist-cli/ is missing or any
// source it was built from has changed since.
// Code splitting keeps the scanner and each command's code in chunks of their own, loaded only
// when a command needs them. The description libraries (public/library) are packed into
// dist-cli/library.pack, filed by name, so a file's sections parse only their own descriptions
// (src/cli/library-files.ts).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
export const CLI_DIST = join(root, 'dist-cli');

/**
 * JSON modules become `JSON.parse('…')` instead of an object literal: V8 parses a JSON string
 * several times faster than the same data as JavaScript (the library is 650 KB).
 */
const jsonAsString = {
  name: 'json-as-string',
  setup(b) {
    b.onLoad({ filter: /\.json$/ }, (args) => ({
      contents: `export default JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
  },
};

/**
 * xz-decompress is a UMD bundle that calls `require("stream/web")` only where ReadableStream is not
 * a global (Node < 18); an ESM bundle cannot require, so that module is an empty one here.
 */
const noStreamWeb = {
  name: 'no-stream-web',
  setup(b) {
    b.onResolve({ filter: /^stream\/web$/ }, () => ({ path: 'stream/web', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

export async function buildCli() {
  const result = await build({
    // library-files.ts is an entry of its own so that this script can run its packer.
    entryPoints: [join(root, 'src/cli/main.ts'), join(root, 'src/cli/library-files.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: CLI_DIST,
    chunkNames: 'chunk-[hash]',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [jsonAsString, noStreamWeb],
  });
  mkdirSync(CLI_DIST, { recursive: true });
  // Chunk names are content hashes and each file is replaced by a rename, so two processes that
  // build at once write the same files and a reader never sees half of one.
  const tmp = `.tmp-${process.pid}`;
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path + tmp, f.contents);
    renameSync(f.path + tmp, f.path);
  }
  // Chunks of earlier builds (their names are hashes of old contents).
  const written = new Set(result.outputFiles.map((f) => f.path));
  for (const f of readdirSync(CLI_DIST)) if (/^chunk-.*\.js$/.test(f) && !written.has(join(CLI_DIST, f))) rmSync(join(CLI_DIST, f), { force: true });
  const { packLibraryFile, LIBRARY_PACK } = await import(`${pathToFileURL(join(CLI_DIST, 'library-files.js')).href}?${Date.now()}`);
  const pack = join(CLI_DIST, LIBRARY_PACK);
  writeFileSync(pack + tmp, packLibraryFile());
  renameSync(pack + tmp, pack);
  // What the build read, so bin/vmstate-explorer.js can tell a stale build from a fresh one: the
  // sources, and the libraries the pack was made from.
  const libraryDir = join(root, 'public/library');
  const libraries = readdirSync(libraryDir).filter((f) => f === 'index.json' || f.endsWith('.json.gz')).map((f) => join(libraryDir, f));
  const inputs = [...Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules') && !p.startsWith('empty:')).map((p) => join(process.cwd(), p)), ...libraries]
    .map((p) => {
      const s = statSync(p);
      return [relative(root, p), s.mtimeMs, s.size];
    });
  const manifest = join(CLI_DIST, 'inputs.json');
  writeFileSync(manifest + tmp, JSON.stringify({ inputs }));
  renameSync(manifest + tmp, manifest);
}

if (process.argv[1] === import.meta.filename) await buildCli();
