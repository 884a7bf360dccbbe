// Plain Blob read loops over a File, `inflight` reads of `slice` bytes kept outstanding:
//   mode 'buffer': slice(...).arrayBuffer(), each buffer touched and dropped;
//   mode 'copy':   the same, each slice also copied into one reused buffer, as the core's
//                  WindowReader does with a source that has no readInto (src/format/byte-source.ts);
//   mode 'byob':   slice(...).stream() read with a BYOB reader into `inflight` + 1 reused buffers,
//                  a readInto that allocates nothing per slice.
async function readByob(blob, buf) {
  const reader = blob.stream().getReader({ mode: 'byob' });
  let filled = 0;
  while (filled < blob.size) {
    const { value, done } = await reader.read(new Uint8Array(buf, filled, blob.size - filled));
    if (done) return { buf: value ? value.buffer : buf, filled };
    buf = value.buffer; // the read transferred it
    filled += value.byteLength;
  }
  // Filled, but the stream has not said it is done: cancel it, or its pipe stays open and after a
  // few hundred slices Chromium's next Blob read never completes.
  await reader.cancel();
  return { buf, filled };
}

self.onmessage = async (e) => {
  const { file, inflight, slice, mode = 'buffer' } = e.data;
  try {
    const size = file.size;
    const target = mode === 'copy' ? new Uint8Array(slice) : null;
    const spare = mode === 'byob' ? Array.from({ length: inflight + 1 }, () => new ArrayBuffer(slice)) : [];
    let next = 0;
    let total = 0;
    let check = 0;
    const issue = () => {
      const o = next;
      next = Math.min(size, next + slice);
      const blob = file.slice(o, next);
      if (mode === 'byob') return readByob(blob, spare.pop());
      return blob.arrayBuffer().then((buf) => ({ buf, filled: buf.byteLength }));
    };
    const t0 = performance.now();
    const queue = [];
    while (queue.length < inflight && next < size) queue.push(issue());
    while (queue.length) {
      const { buf, filled } = await queue.shift();
      if (next < size) queue.push(issue());
      const bytes = new Uint8Array(buf, 0, filled);
      if (target) target.set(bytes);
      check ^= bytes[filled - 1];
      total += filled;
      if (mode === 'byob') spare.push(buf);
    }
    self.postMessage({ ms: performance.now() - t0, total, check });
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
