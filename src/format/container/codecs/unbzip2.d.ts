// unbzip2-stream's block decoder (lib/bzip2.js), pure JavaScript; its index.js wraps it in Node
// streams, which is why bzip2.ts imports this file alone.
declare module 'unbzip2-stream/lib/bzip2.js' {
  /** Reads `n` bits MSB first; `null` aligns to the next byte. */
  type Bits = (n: number | null) => number;
  const bzip2: {
    /** Reads "BZh" and the level; returns the level (1-9: blocks of 100 kB each). */
    header(bits: Bits): number;
    /** Decodes one block into `out` byte by byte; the stream CRC so far, or null at the end-of-stream marker. */
    decompress(bits: Bits, out: (byte: number) => void, buf: Int32Array, bufsize: number, streamCRC: number | null): number | null;
  };
  export default bzip2;
}
