// Loads the compiled CLI (dist-cli/main.cjs, one CommonJS bundle) with V8's code cache for it
// (dist-cli/main.cjs.HASH.cache, written by scripts/build-cli.mjs after running the CLI on sample
// files). With the cache V8 neither parses the bundle nor compiles the functions those runs used:
// it reads their bytecode back. Node 20 has no module.enableCompileCache (Node 22), hence
// vm.Script's cachedData, the way v8-compile-cache does it. A cache V8 refuses (another Node,
// other V8 flags) only costs the compile it would have saved.
// CommonJS (bin/package.json) and one file: Node's ESM loader costs ~10 ms more to start, and
// resolving and linking some twenty chunks another ~30 ms (bench-cli.ts).
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];

/**
 * The cache of a bundle is named by the hash the build wrote on the bundle's last line. V8 checks
 * only a cache's length of source and its flags, so a cache of an earlier bundle of the same
 * length would otherwise run that bundle's bytecode.
 */
const CACHE_TAG = /\n\/\/# cache=([0-9a-f]+)\n$/;
const cachePath = (file, hash) => `${file}.${hash}.cache`;

/** The compiled script of dist-cli/main.cjs in `dir`, with its cache when there is one V8 accepts. */
function compiledScript(dir, useCache = true) {
  const file = join(dir, 'main.cjs');
  const source = readFileSync(file, 'utf8');
  let cachedData;
  const tag = useCache && CACHE_TAG.exec(source.slice(-80));
  if (tag) {
    try {
      cachedData = readFileSync(cachePath(file, tag[1]));
    } catch {
      // no cache: compile as usual
    }
  }
  const script = new vm.Script(WRAP[0] + source + WRAP[1], { filename: file, cachedData });
  return { file, script };
}

/** Runs the bundle in `dir`; returns its exports ({ main, … }) and the script (for the build's cache). */
function loadCompiled(dir, useCache = true) {
  const { file, script } = compiledScript(dir, useCache);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dir);
  return { exports: module.exports, script };
}

module.exports = { loadCompiled, cachePath };
