// `node scripts/fuzz-code-since.mjs REV`: which files that `npm run fuzz` exercises have changed
// since REV. A long seeded fuzz run (issue 10 asks for 1,000,000 cases) may span sessions; its
// cases count toward the current code only while this prints nothing. The files are the ones
// esbuild bundles from scripts/fuzz.ts (packages left out: they change only with the lock file,
// which is checked too).
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const rev = process.argv[2];
if (!rev) {
  console.error('usage: node scripts/fuzz-code-since.mjs REV');
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const { metafile } = await build({
  entryPoints: [`${root}scripts/fuzz.ts`], bundle: true, platform: 'node', format: 'esm', write: false,
  metafile: true, logLevel: 'error', packages: 'external',
});
const files = [...Object.keys(metafile.inputs), 'package-lock.json'];
const changed = execFileSync('git', ['diff', '--name-only', rev, '--', ...files], { cwd: root, encoding: 'utf8' }).trim();
console.error(`${files.length} files exercised by the fuzz; changed since ${rev}: ${changed ? changed.split('\n').length : 0}`);
if (changed) console.log(changed);
process.exit(changed ? 1 : 0);
