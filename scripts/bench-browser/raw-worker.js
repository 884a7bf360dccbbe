// Plain Blob read loops over a File, the baselines for the app's scan:
//   mode 'buffer': `inflight` reads of slice(...).arrayBuffer() kept outstanding, each buffer
//                  touched and dropped;
//   mode 'stream': one BYOB stream over the whole file read into two reused buffers of `slice`
//                  bytes, the way the app's blobSource reads (src/format/blob-stream.ts).
async function bufferLoop(file, inflight, slice, visit) {
  let next = 0;
  const issue = () => {
    const o = next;
    next = Math.min(file.size, next + slice);
    return file.slice(o, next).arrayBuffer();
  };
  const queue = [];
  while (queue.length < inflight && next < file.size) queue.push(issue());
  while (queue.length) {
    const buf = await queue.shift();
    if (next < file.size) queue.push(issue());
    visit(new Uint8Array(buf));
  }
}

async function streamLoop(file, slice, visit) {
  const reader = file.stream().getReader({ mode: 'byob' });
  const spare = [new ArrayBuffer(slice), new ArrayBuffer(slice)];
  for (let k = 0, ended = false; !ended; k ^= 1) {
    let buf = spare[k];
    let filled = 0;
    while (filled < slice) {
      const { value, done } = await reader.read(new Uint8Array(buf, filled, slice - filled));
      buf = value.buffer; // the read transferred it
      filled += value.byteLength;
      if (done) {
        ended = true;
        break;
      }
    }
    spare[k] = buf;
    if (filled) visit(new Uint8Array(buf, 0, filled));
  }
}

self.onmessage = async (e) => {
  const { file, inflight, slice, mode = 'buffer' } = e.data;
  try {
    let total = 0;
    let check = 0;
    const visit = (bytes) => {
      check ^= bytes[bytes.length - 1];
      total += bytes.length;
    };
    const t0 = performance.now();
    if (mode === 'stream') await streamLoop(file, slice, visit);
    else await bufferLoop(file, inflight, slice, visit);
    self.postMessage({ ms: performance.now() - t0, total, check });
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
