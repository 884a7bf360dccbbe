// Seeded xorshift32 bytes for the worker's tests: incompressible, so a codec's output is about its
// input, and the same on every run.

export function seeded(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
