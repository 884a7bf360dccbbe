// A compressed image's first read, started before the decompression asks for it: a libvirt
// header gives the stream's offset (92 + data_len) in its first bytes, and the read of the
// stream's first MiB then runs while the XML is sniffed and the spill opened. Timed in the app
// (Chromium, persistent profile, a 128 MiB gzip image): the first decompression progress came
// ~40 ms after the open's request, ~10 ms of it the first read on a fresh stream of the file.

import type { ByteSource } from '../format/byte-source.ts';

/**
 * `base` with `[at, at + length)` being read into a buffer of its own from now on. The first
 * `readInto` at `at` is answered from it (copied into the caller's target, the rest read after
 * it); any other read goes to `base` as it is, and so does every later one. A read elsewhere
 * first (the sniff found another start) leaves the prefetch unused: `base` seeks as it would.
 */
export function primedSource(base: ByteSource, at: number, length: number): ByteSource {
  const readInto = base.readInto?.bind(base);
  if (!readInto || length <= 0 || at >= base.size) return base;
  let first: Promise<Uint8Array> | null = readInto(at, new Uint8Array(Math.min(length, base.size - at)));
  first.catch(() => undefined); // a failed prefetch is read again below, where its error is reported
  return {
    size: base.size,
    read: (offset, n) => base.read(offset, n),
    async readInto(offset, target) {
      const prefetch = first;
      first = null;
      if (!prefetch || offset !== at) return readInto(offset, target);
      let got: Uint8Array;
      try {
        got = await prefetch;
      } catch {
        return readInto(offset, target);
      }
      const n = Math.min(got.length, target.length);
      target.set(got.subarray(0, n));
      // A longer read than the prefetch goes on where it ended (the stream stands there). That
      // read may transfer the target's buffer (ByteSource.readInto): the answer is a view of the
      // memory it hands back, the prefetched bytes in front of its own.
      if (n === got.length && n < target.length && at + n < base.size) {
        const rest = await readInto(at + n, target.subarray(n));
        return new Uint8Array(rest.buffer, rest.byteOffset - n, n + rest.length);
      }
      return target.subarray(0, n);
    },
  };
}
