// The one byte-range type of every layer (house habit 12, after vscode-hexeditor's shared Range):
// selections, changed bytes, dirty pages and spans in the protocol are all ByteRanges.

/** Half-open byte range [from, to). */
export interface ByteRange {
  from: number;
  to: number;
}
