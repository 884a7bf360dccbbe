// The compiled CLI as bin/vmstate-explorer.js loads it: one bundle and V8's code cache for it
// (bin/load-compiled.js, written by scripts/build-cli.mjs). A cache V8 refused would only cost
// time, silently; a cache of another bundle would run that bundle's code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { loadCompiled, cachePath } = require('../../bin/load-compiled.js') as {
  loadCompiled(dir: string, useCache?: boolean): { exports: Record<string, unknown>; script: { cachedDataRejected?: boolean; createCachedData(): Buffer } };
  cachePath(file: string, hash: string): string;
};
const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'compiled-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiled CLI', () => {
  it('dist-cli/main.cjs loads with a code cache V8 accepts', () => {
    // Builds dist-cli/ first if it is missing or stale.
    expect(spawnSync('node', [join(ROOT, 'bin/vmstate-explorer.js'), '--version'], { encoding: 'utf8' }).stdout).toMatch(/^vmstate-explorer \d/);
    const { exports, script } = loadCompiled(join(ROOT, 'dist-cli'));
    expect(script.cachedDataRejected).toBe(false);
    expect(typeof exports.main).toBe('function');
  });

  it('a cache is used only by the bundle whose hash names it', () => {
    // Two bundles of the same length: V8 would take the first one's cache for the second.
    const bundle = (v: number, hash: string) => writeFileSync(join(dir, 'main.cjs'), `module.exports.v = ${v};\n//# cache=${hash}\n`);
    bundle(1, 'aaaa');
    writeFileSync(cachePath(join(dir, 'main.cjs'), 'aaaa'), loadCompiled(dir, false).script.createCachedData());
    bundle(2, 'aaaa');
    const stale = loadCompiled(dir);
    expect([stale.exports.v, stale.script.cachedDataRejected]).toEqual([1, false]); // the hazard
    bundle(2, 'bbbb');
    const fresh = loadCompiled(dir);
    expect([fresh.exports.v, fresh.script.cachedDataRejected]).toEqual([2, undefined]);
  });
});
