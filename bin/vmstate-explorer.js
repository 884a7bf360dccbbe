#!/usr/bin/env node
// Thin shim: runs the compiled CLI (dist-cli/, built from src/cli by scripts/build-cli.mjs at
// `npm ci` and by `npm run build`). If the build is missing or any source it was built from has
// changed since (an edited checkout), it is built again first (esbuild, under a second), so this
// always runs the sources as they are. Without esbuild (an install that left out the
// devDependencies) the CLI runs from source through tsx, as it did before, with a note.
// CommonJS (bin/package.json): see load-compiled.js.
'use strict';
const { readFileSync, statSync, writeSync } = require('node:fs');
const { join, sep } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist-cli');

/**
 * Every source the build read is as it was then. Paths are joined by hand: path.join runs
 * interpreted at start-up, and its normalising of 120 paths was half of what `--version` did
 * beyond `node -e 0` (~14 M of ~57 M instructions, valgrind).
 */
function buildIsFresh() {
  try {
    const { inputs } = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8'));
    const prefix = root + sep;
    return inputs.every(([path, mtimeMs, size]) => {
      const s = statSync(prefix + path, { throwIfNoEntry: false });
      return s !== undefined && s.mtimeMs === mtimeMs && s.size === size;
    });
  } catch {
    return false;
  }
}

async function run() {
  let main;
  if (!buildIsFresh()) {
    try {
      const { buildCli } = await import('../scripts/build-cli.mjs');
      await buildCli();
    } catch (e) {
      process.stderr.write(`vmstate-explorer: note: running from source through tsx (slower start); the compiled CLI could not be built: ${String(e?.message ?? e).split('\n')[0]}\n`);
      const { register } = await import('tsx/esm/api');
      register();
      ({ main } = await import('../src/cli/main.ts'));
    }
  }
  main ??= require('./load-compiled.js').loadCompiled(dist).exports.main;
  process.exitCode = await main(process.argv.slice(2), fdWriter(1), fdWriter(2));
}

/**
 * Writes to a file descriptor with writeSync instead of process.stdout / process.stderr: creating
 * either stream loads Node's stream modules (and net for a pipe), ~7 M instructions, about 2 ms of
 * every run. The CLI writes its output in a few large strings, so no buffering is lost.
 * `vmstate-explorer inspect --json big.bin | head` closes the pipe early: that is the reader's
 * choice, not an error worth a Node stack trace (Node ignores SIGPIPE, so the write fails EPIPE).
 * A non-blocking descriptor (a pipe another process set so) that is full answers EAGAIN: wait a
 * millisecond and write the rest.
 */
function fdWriter(fd) {
  return (s) => {
    const bytes = Buffer.from(s, 'utf8');
    for (let at = 0; at < bytes.length; ) {
      try {
        at += writeSync(fd, bytes, at);
      } catch (e) {
        if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        if (e.code !== 'EAGAIN') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  };
}

run();
