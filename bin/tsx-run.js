#!/usr/bin/env node
// Runs a TypeScript entry point under Node through tsx, so the CLI, the benchmark and the fuzzer
// work straight after `npm ci` with no build step. CommonJS, as everything in bin/ is
// (bin/package.json, see load-compiled.js); the entry point itself runs as an ES module.
'use strict';
const { pathToFileURL } = require('node:url');
const { resolve } = require('node:path');

(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const [entry, ...rest] = process.argv.slice(2);
  process.argv = [process.argv[0], entry, ...rest];
  await import(pathToFileURL(resolve(entry)).href);
})();
