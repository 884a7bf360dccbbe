// The decompressor alone, as the app's worker has it (format/container/codecs): gzip through the
// browser's DecompressionStream, zstd through fzstd, xz through xz-decompress (both copied here
// from node_modules by scripts/bench-compressed-opens.ts). The compressed bytes are read into
// memory first; only the decompression is timed, output counted and dropped. Pieces of `piece`
// bytes (0: all at once), as bench-compressed.ts does in Node. With `fromFile`, the second
// baseline: the decompressor reading the picked File itself (File.stream() piped into it, drained),
// timed from the first read, which is the least any decoding of a file must do. With `spilled`
// too, its output written into an OPFS file as the app's spill does: the least a decoding that
// keeps the stream in a spill must do.
self['stream/web'] = { ReadableStream, WritableStream, TransformStream };
importScripts('fzstd.js', 'xz-decompress.js');

function pieces(data, piece) {
  if (!piece) return [data];
  const out = [];
  for (let at = 0; at < data.length; at += piece) out.push(data.subarray(at, at + piece));
  return out;
}

async function drain(readable, sink) {
  let n = 0;
  const reader = readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    n += r.value.length;
    sink?.(r.value);
  }
  return n;
}

/**
 * An OPFS file written as the app's spill writes it (worker/spill.ts): output copied into 1 MiB
 * batches, each written by the sync access handle. With runFromFile, the least any decoding that
 * keeps the stream in a spill (as issue 11 asks) must do: read the File, decompress, write.
 */
async function spillSink() {
  const root = await navigator.storage.getDirectory();
  const name = `bench-ceiling-${Date.now()}.bin`;
  const sync = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  const batch = new Uint8Array(1 << 20);
  let filled = 0;
  let at = 0;
  const put = (bytes) => (at += sync.write(bytes, { at }));
  return {
    write(chunk) {
      if (filled + chunk.length > batch.length) {
        put(batch.subarray(0, filled));
        filled = 0;
      }
      if (chunk.length >= batch.length) put(chunk);
      else {
        batch.set(chunk, filled);
        filled += chunk.length;
      }
    },
    flush() {
      if (filled) put(batch.subarray(0, filled));
      filled = 0;
    },
    async close() {
      sync.close();
      await root.removeEntry(name);
    },
  };
}

const streamOf = (parts) => {
  let i = 0;
  return new ReadableStream({ pull: (c) => (i < parts.length ? c.enqueue(parts[i++]) : c.close()) });
};

async function run(codec, data, piece) {
  const parts = pieces(data, piece);
  if (codec === 'gzip') return drain(streamOf(parts).pipeThrough(new DecompressionStream('gzip')));
  if (codec === 'xz') return drain(new self['xz-decompress'].XzReadableStream(streamOf(parts)));
  if (codec === 'zstd') {
    let n = 0;
    const z = new self.fzstd.Decompress((c) => void (n += c.length));
    parts.forEach((p, i) => z.push(p, i === parts.length - 1));
    return n;
  }
  throw new Error(`no baseline for ${codec}`);
}

/**
 * The decompressor fed by the File's own stream (the browser's reads, in its chunk sizes). With a
 * `sink`, each output chunk goes to it (spillSink below).
 */
async function runFromFile(codec, blob, sink) {
  if (codec === 'gzip') return drain(blob.stream().pipeThrough(new DecompressionStream('gzip')), sink);
  if (codec === 'xz') return drain(new self['xz-decompress'].XzReadableStream(blob.stream()), sink);
  if (codec === 'zstd') {
    let n = 0;
    const z = new self.fzstd.Decompress((c) => {
      n += c.length;
      sink?.(c);
    });
    const reader = blob.stream().getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) z.push(r.value);
    z.push(new Uint8Array(0), true);
    return n;
  }
  throw new Error(`no baseline for ${codec}`);
}

/** The spill's own speed: `bytes` written into an OPFS file through a sync access handle, 1 MiB a write. */
async function spill(bytes) {
  const root = await navigator.storage.getDirectory();
  const name = `bench-spill-${Date.now()}.bin`;
  const handle = await root.getFileHandle(name, { create: true });
  const sync = await handle.createSyncAccessHandle();
  const chunk = new Uint8Array(1 << 20).fill(0x5a);
  const t = performance.now();
  try {
    for (let at = 0; at < bytes; at += chunk.length) sync.write(chunk.subarray(0, Math.min(chunk.length, bytes - at)), { at });
    sync.flush();
    return performance.now() - t;
  } finally {
    sync.close();
    await root.removeEntry(name);
  }
}

self.onmessage = async (e) => {
  try {
    if (e.data.spill) return self.postMessage({ ms: await spill(e.data.spill), produced: e.data.spill });
    const { file, codec, offset, piece, fromFile, spilled } = e.data;
    if (fromFile) {
      // The spill file is made before the clock starts, as the app's is during the image's sniff.
      const sink = spilled ? await spillSink() : null;
      const t = performance.now();
      const produced = await runFromFile(codec, file.slice(offset), sink?.write);
      sink?.flush();
      const ms = performance.now() - t;
      await sink?.close();
      return self.postMessage({ ms, produced });
    }
    const data = new Uint8Array(await file.slice(offset).arrayBuffer());
    const t = performance.now();
    const produced = await run(codec, data, piece);
    self.postMessage({ ms: performance.now() - t, produced });
  } catch (err) {
    self.postMessage({ error: String(err && err.stack || err) });
  }
};
