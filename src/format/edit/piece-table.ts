// The edited file as a piece table of original slices and inserted bytes (after vscode-hexeditor's
// timeline), read by slices like any other ByteSource: the original is never copied or written.

import type { ByteSource } from '../byte-source.ts';
import type { Splice } from './change.ts';

/** Anything made of splices: a change or a whole user action. */
export type Spliced = { readonly splices: readonly Splice[] };

interface Piece {
  /** -1: the original file; otherwise an index into `buffers`. */
  buffer: number;
  start: number;
  length: number;
}

export class PieceTable {
  private pieces: Piece[];
  private readonly buffers: Uint8Array[] = [];

  constructor(readonly originalSize: number) {
    this.pieces = originalSize > 0 ? [{ buffer: -1, start: 0, length: originalSize }] : [];
  }

  static of<A extends Spliced>(originalSize: number, actions: readonly A[]): PieceTable {
    const t = new PieceTable(originalSize);
    for (const a of actions) for (const s of a.splices) t.splice(s.offset, s.removed.length, s.inserted);
    return t;
  }

  get size(): number {
    return this.pieces.reduce((s, p) => s + p.length, 0);
  }

  splice(offset: number, removeCount: number, inserted: Uint8Array): void {
    if (offset < 0 || offset + removeCount > this.size) throw new RangeError(`splice ${offset}+${removeCount} outside ${this.size} bytes`);
    const out: Piece[] = [];
    let at = 0;
    let placed = false;
    const place = () => {
      if (!placed && inserted.length) {
        this.buffers.push(inserted.slice());
        out.push({ buffer: this.buffers.length - 1, start: 0, length: inserted.length });
      }
      placed = true;
    };
    for (const p of this.pieces) {
      const pEnd = at + p.length;
      // Keep the part before the splice, insert, keep the part after the removed range.
      if (pEnd <= offset || at >= offset + removeCount) {
        if (at >= offset + removeCount) place();
        out.push(p);
      } else {
        if (at < offset) out.push({ ...p, length: offset - at });
        place();
        if (pEnd > offset + removeCount) {
          const skip = offset + removeCount - at;
          out.push({ buffer: p.buffer, start: p.start + skip, length: p.length - skip });
        }
      }
      at = pEnd;
    }
    place();
    this.pieces = out.filter((p) => p.length > 0);
  }

  /** The runs that make up the edited file: slices of the original and inserted bytes. */
  runs(): ({ original: true; start: number; length: number } | { original: false; bytes: Uint8Array })[] {
    return this.pieces.map((p) =>
      p.buffer < 0 ? { original: true as const, start: p.start, length: p.length } : { original: false as const, bytes: this.buffers[p.buffer].subarray(p.start, p.start + p.length) },
    );
  }

  /** The pieces overlapping [offset, end): each with its part's file range and source start. */
  private *parts(offset: number, end: number): Generator<{ from: number; to: number; piece: Piece; at: number }> {
    let at = 0;
    for (const piece of this.pieces) {
      const pEnd = at + piece.length;
      if (pEnd > offset && at < end) yield { from: Math.max(offset, at), to: Math.min(end, pEnd), piece, at };
      at = pEnd;
      if (at >= end) return;
    }
  }

  async read(original: ByteSource, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    for (const { from, to, piece: p, at } of this.parts(offset, end)) {
      const chunk = p.buffer < 0 ? await original.read(p.start + from - at, to - from) : this.buffers[p.buffer].subarray(p.start + from - at, p.start + to - at);
      out.set(chunk, from - offset);
    }
    return out;
  }

  /** ByteSource.readInto over the edited file: original runs go straight into target's memory. */
  async readInto(original: ByteSource & Required<Pick<ByteSource, 'readInto'>>, offset: number, target: Uint8Array): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + target.length);
    // Each original read may hand target's memory back on a new ArrayBuffer: keep the latest.
    // (A detached view reports offset 0, so the offset is read once, up front.)
    let buffer = target.buffer as ArrayBuffer;
    const at0 = target.byteOffset;
    const view = (from: number, to: number) => new Uint8Array(buffer, at0 + from - offset, to - from);
    for (const { from, to, piece: p, at } of this.parts(offset, end)) {
      if (p.buffer < 0) {
        const got = await original.readInto(p.start + from - at, view(from, to));
        buffer = got.buffer as ArrayBuffer;
        if (got.length < to - from) throw new RangeError(`the original file ended inside an edited file's run at ${from}`);
      } else {
        view(from, to).set(this.buffers[p.buffer].subarray(p.start + from - at, p.start + to - at));
      }
    }
    return new Uint8Array(buffer, at0, Math.max(0, end - offset));
  }
}

/** The edited file as a ByteSource; the original is only read, never written. */
export function editedSource(original: ByteSource, actions: readonly Spliced[]): ByteSource {
  if (actions.length === 0) return original;
  const table = PieceTable.of(original.size, actions);
  const source: ByteSource = { size: table.size, read: (offset, length) => table.read(original, offset, length) };
  if (original.readInto) {
    const withReadInto = { size: original.size, read: original.read.bind(original), readInto: original.readInto.bind(original) };
    source.readInto = (offset, target) => table.readInto(withReadInto, offset, target);
  }
  return source;
}
