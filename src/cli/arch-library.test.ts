// The compiled CLI's table and `check` decode with the libraries of the file's architecture
// (dist-cli/library-ARCH.pack, library-files.ts archLibrary; main.ts tableScan). The oracle is
// the CLI run from source, which has no pack and parses every library of public/library: on
// every device-state fixture (the files the libraries decode, of every architecture, with and
// without footers, held out and damaged ones among them) both print the same bytes and exit
// codes. A file the narrow decode leaves something to report is scanned again with every library.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';

type Main = (argv: string[], out: (s: string) => void, err: (s: string) => void) => Promise<number>;
type LoadOptions = (o: unknown, file: unknown, arch?: boolean) => Promise<{ narrowed?: boolean }>;

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'arch-library-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * pseries files only from heldout/ and guess/: the others add no section those lack, and their
 * hash page tables make each a second of decoding (as in scripts/model-hashes.ts).
 */
const devstateFiles = (d = FIXTURE_DIR): string[] =>
  readdirSync(d).sort().flatMap((f) => {
    const p = join(d, f);
    if (statSync(p).isDirectory()) return devstateFiles(p);
    const name = relative(FIXTURE_DIR, p);
    return /devstate.*\.bin(\.gz)?$/.test(f) && (!f.includes('pseries') || /^(heldout|guess)\//.test(name)) ? [name] : [];
  });

/** The fixture as a plain file (gunzipped into the temporary folder). */
function plain(name: string): string {
  if (!name.endsWith('.gz')) return join(FIXTURE_DIR, name);
  const path = join(dir, name.replaceAll('/', '_').replace(/\.gz$/, ''));
  writeFileSync(path, gunzipSync(readFileSync(join(FIXTURE_DIR, name))));
  return path;
}

async function runMain(main: Main, args: string[]): Promise<string> {
  let text = '';
  const code = await main(args, (s) => (text += s), (s) => (text += `stderr: ${s}`));
  return `exit ${code}\n${text}`;
}

let compiled: { main: Main; loadOptions: LoadOptions; parseArgs: (argv: string[]) => unknown };
let fromSource: Main;
beforeAll(async () => {
  // Builds dist-cli/ first if it is missing or stale.
  spawnSync('node', [join(ROOT, 'bin/vmstate-explorer.js'), '--version']);
  const { loadCompiled } = createRequire(import.meta.url)('../../bin/load-compiled.js') as { loadCompiled(dir: string): { exports: typeof compiled } };
  compiled = loadCompiled(join(ROOT, 'dist-cli')).exports;
  fromSource = (await import('./main.ts')).main;
});

describe('table and check with the architecture pack', { timeout: 300_000 }, () => {
  it.each([['pc-devstate.bin'], ['virt-devstate.bin'], ['heldout/qemu-11.1/s390-ccw-virtio-devstate.bin.gz'], ['heldout/qemu-11.1/pseries-devstate.bin.gz']])('%s is decoded with its architecture pack', async (name) => {
    const bytes = new Uint8Array(readFileSync(plain(name)));
    const source = { size: bytes.length, read: async (at: number, n: number) => bytes.subarray(at, at + n) };
    expect((await compiled.loadOptions(compiled.parseArgs(['inspect', name]), source, true)).narrowed).toBe(true);
  });

  it('every device-state fixture: the same table and check as with every library parsed', async () => {
    const names = devstateFiles();
    expect(names.length).toBeGreaterThan(100);
    for (const name of names) {
      const file = plain(name);
      for (const command of ['inspect', 'check']) {
        const want = await runMain(fromSource, [command, file]);
        expect(`${name} ${command}: ${await runMain(compiled.main, [command, file])}`).toBe(`${name} ${command}: ${want}`);
      }
    }
  });
});
