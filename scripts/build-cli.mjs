// Compiles the CLI (src/cli/main.ts and what it imports) into dist-cli/ with esbuild, so
// `node bin/vmstate-explorer.js` starts without compiling TypeScript at every run (issue #10:
// half a second of start-up through tsx). Run by `npm ci` / `npm install` (the prepare script)
// and `npm run build`; bin/vmstate-explorer.js runs it again when dist-cli/ is missing or any
// source it was built from has changed since.
// One CommonJS file, dist-cli/main.cjs, and V8's code cache for it, main.cjs.HASH.cache: Node then
// reads one file and the bytecode of the functions a run needs instead of resolving, parsing and
// compiling some twenty ES module chunks (bin/load-compiled.js; ~40 ms of a small file's `inspect`
// on this 2-core machine, bench-cli.ts). The commands' code is still initialised only when a
// command runs (esbuild turns `await import()` into a lazy init). The description libraries
// (public/library) are packed into dist-cli/library.pack, filed by name, so a file's sections
// parse only their own descriptions, and per architecture into dist-cli/library-ARCH.pack (src/cli/library-files.ts).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

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

/** What esbuild needs to turn the ES-module CLI into CommonJS (`import.meta` has no CJS twin). */
const cjs = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'warning',
  plugins: [jsonAsString],
  define: { 'import.meta.dirname': '__dirname', 'import.meta.url': '__import_meta.url' },
  // `await import('node:…')` as a require: the bundle runs as a vm.Script, which has no loader
  // for import() (bin/load-compiled.js).
  supported: { 'dynamic-import': false },
  // A getter: only --version reads it, and node:url need not load for every other run.
  banner: { js: 'var __import_meta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
};

/**
 * Files the build runs the CLI on before it writes the code cache, so the cache holds the
 * bytecode of what an `inspect` compiles: a device-state file decoded by the bundled library, and
 * a migration stream with RAM and its own JSON description (read and validated).
 */
const WARM_UP = [['inspect', 'public/fixtures/virt-devstate.bin'], ['inspect', 'public/fixtures/pc-ram-migration.bin'], ['check', 'public/fixtures/q35-migration.bin']];

/**
 * The bundle with every non-ASCII character written as a \\u escape. esbuild escapes them in code
 * but keeps the comments it carries over as they are, and one "≤" in a comment made V8 hold the
 * whole 480 KB source as a two-byte string: decoding it was 11 M of a small file's `inspect` (of
 * ~280 M on the main thread, callgrind), and every later copy of the source twice as long. Only
 * comments are left to escape, where an escape means the same to a reader.
 */
const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Writes a file whole or not at all (a rename), so two builds at once never leave half of one. */
function writeAtomic(path, contents) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

export async function buildCli() {
  const result = await build({ ...cjs, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(CLI_DIST, 'main.cjs'), metafile: true });
  mkdirSync(CLI_DIST, { recursive: true });
  // Outputs of earlier builds: ES module chunks, older bundles' caches, packs of architectures gone.
  for (const f of readdirSync(CLI_DIST)) if (/^(chunk-.*|main|library-files)\.js$|\.cache$|^library-.*\.pack$/.test(f)) rmSync(join(CLI_DIST, f), { force: true });
  // The bundle's last line names its cache (bin/load-compiled.js).
  const bundle = Buffer.from(asciiOnly(result.outputFiles[0].text));
  const hash = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  writeAtomic(join(CLI_DIST, 'main.cjs'), Buffer.concat([bundle, Buffer.from(`\n//# cache=${hash}\n`)]));

  // The packer runs from a bundle of its own, written beside main.cjs (so its __dirname is the
  // same) and removed once it has run: the CLI never loads it.
  const packer = await build({ ...cjs, entryPoints: [join(root, 'src/cli/library-files.ts')], outfile: join(CLI_DIST, `.packer-${process.pid}.cjs`) });
  const packerPath = packer.outputFiles[0].path;
  writeFileSync(packerPath, packer.outputFiles[0].contents);
  try {
    const { packLibraryFiles } = createRequire(import.meta.url)(packerPath);
    for (const [name, bytes] of packLibraryFiles()) writeAtomic(join(CLI_DIST, name), bytes);
  } finally {
    rmSync(packerPath, { force: true });
  }

  const { cachePath } = createRequire(import.meta.url)('../bin/load-compiled.js');
  writeAtomic(cachePath(join(CLI_DIST, 'main.cjs'), hash), await warmCache());

  // What the build read, so bin/vmstate-explorer.js can tell a stale build from a fresh one: the
  // sources, and the libraries the pack was made from.
  const libraryDir = join(root, 'public/library');
  const libraries = readdirSync(libraryDir).filter((f) => f === 'index.json' || f.endsWith('.json.gz')).map((f) => join(libraryDir, f));
  const inputs = [...Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules') && !p.startsWith('empty:')).map((p) => join(process.cwd(), p)), ...libraries]
    .map((p) => {
      const s = statSync(p);
      return [relative(root, p), s.mtimeMs, s.size];
    });
  writeAtomic(join(CLI_DIST, 'inputs.json'), JSON.stringify({ inputs }));
}

/**
 * Runs the fresh bundle on the WARM_UP files (output discarded) and returns V8's code cache of
 * it, which then holds every function those runs compiled. Loaded the way the shim loads it, so
 * V8 accepts the cache there.
 */
async function warmCache() {
  const { loadCompiled } = createRequire(import.meta.url)('../bin/load-compiled.js');
  const { exports, script } = loadCompiled(CLI_DIST, false);
  for (const [command, file] of WARM_UP) {
    if (existsSync(join(root, file))) await exports.main([command, join(root, file)], () => {}, () => {});
  }
  return script.createCachedData();
}

if (process.argv[1] === import.meta.filename) await buildCli();
