// Compiles the CLI (src/cli/main.ts and what it imports) into dist-cli/ with esbuild, so
// `node bin/vmstate-explorer.js` starts without compiling TypeScript at every run (issue #10:
// half a second of start-up through tsx). Run by `npm ci` / `npm install` (the prepare script)
// and `npm run build`; bin/vmstate-explorer.js runs it again when dist-cli/ is missing or any
// source it was built from has changed since.
// Code splitting keeps the bundled description library (650 KB of JSON) and the scanner in
// chunks of their own, loaded only when a command needs them.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

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
    entryPoints: [join(root, 'src/cli/main.ts')],
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
  // What the build read, so bin/vmstate-explorer.js can tell a stale build from a fresh one.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes('node_modules') && !p.startsWith('empty:'))
    .map((p) => {
      const s = statSync(join(process.cwd(), p));
      return [relative(root, join(process.cwd(), p)), s.mtimeMs, s.size];
    });
  const manifest = join(CLI_DIST, 'inputs.json');
  writeFileSync(manifest + tmp, JSON.stringify({ inputs }));
  renameSync(manifest + tmp, manifest);
}

if (process.argv[1] === import.meta.filename) await buildCli();
