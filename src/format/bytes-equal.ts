// Two byte ranges compared in plain JS: 32-bit words where both ranges share an alignment (4x
// fewer steps than bytes), else byte by byte. Used where a second file's bytes are checked against
// the first's: sections taken by scan-reuse.ts, RAM pages in diff/ram-lockstep.ts (whose CLI caller
// passes Node's memcmp instead).

/** True when a[aAt, aAt+n) and b[bAt, bAt+n) hold the same bytes. */
export function equalBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  const ao = a.byteOffset + aAt;
  let i = 0;
  if (((ao ^ (b.byteOffset + bAt)) & 3) === 0 && n >= 16) {
    const head = (4 - (ao & 3)) & 3;
    for (; i < head; i++) if (a[aAt + i] !== b[bAt + i]) return false;
    const words = (n - head) >>> 2;
    const wa = new Int32Array(a.buffer, ao + head, words);
    const wb = new Int32Array(b.buffer, b.byteOffset + bAt + head, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = head + words * 4;
  }
  for (; i < n; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
