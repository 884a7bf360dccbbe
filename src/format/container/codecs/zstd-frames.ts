// fzstd decodes zstd but skips each frame's content checksum, so a corrupt literal would pass as
// a silently wrong byte. This walker reads the same compressed bytes alongside it (RFC 8878
// §3.1.1: frame header, blocks of 3-byte headers, optional 4-byte XXH64 checksum) and says, block
// by block, which frame each of fzstd's outputs belongs to and what checksum that frame carries.
// It also says where fzstd can be fed a piece that it decodes to the end (zstd.ts).

import { CodecError } from './decoder.ts';

export interface FrameEnd {
  /** Blocks in the frame (fzstd calls back once per block). */
  blocks: number;
  /** The low 32 bits of the XXH64 of the frame's content, or null when the frame has none. */
  checksum: number | null;
}

const MAGIC = 0xfd2fb528;
/**
 * fzstd waits for 18 bytes (the longest frame header) before it reads a frame's start, and keeps
 * a reference to the piece it waited on; a cut this close to a frame's start is not clean.
 */
const FZSTD_FRAME_MIN = 18;

export class ZstdFrameWalker {
  /** Frames whose last block has been seen, in order. */
  readonly ended: FrameEnd[] = [];
  /**
   * Clean cuts seen by the last push, as stream offsets (-1: none): ends of a block's data, at
   * least FZSTD_FRAME_MIN bytes past its frame's start. Input pushed to fzstd up to a clean cut is
   * decoded to its end; fzstd holds none of it for later.
   */
  firstCut = -1;
  lastCut = -1;
  private pending: number[] = [];
  private need = 0; // bytes to skip before the next structure
  private inBlock = false; // the bytes being skipped are a block's data
  private state: 'frame' | 'block' | 'checksum' = 'frame';
  private blocks = 0;
  private hasChecksum = false;
  private frameStart = 0;

  /** True between frames: the input may end here. */
  get atFrameStart(): boolean {
    return this.state === 'frame' && this.need === 0 && this.pending.length === 0;
  }

  push(chunk: Uint8Array, base: number): void {
    this.firstCut = this.lastCut = -1;
    let i = 0;
    while (i < chunk.length) {
      if (this.need > 0) {
        const n = Math.min(this.need, chunk.length - i);
        this.need -= n;
        i += n;
        if (this.need === 0 && this.inBlock) this.blockEnd(base + i);
        continue;
      }
      if (this.pending.length === 0 && this.state === 'frame') this.frameStart = base + i;
      this.pending.push(chunk[i++]);
      this.step(base + i);
    }
  }

  private blockEnd(at: number): void {
    this.inBlock = false;
    if (at - this.frameStart < FZSTD_FRAME_MIN) return;
    if (this.firstCut < 0) this.firstCut = at;
    this.lastCut = at;
  }

  /** Consumes `pending` once it holds a whole header; `end` is the stream offset after it. */
  private step(end: number): void {
    const p = this.pending;
    const bad = (what: string) => new CodecError(`zstd: ${what}`, end - p.length);
    if (this.state === 'frame') {
      if (p.length < 5) return;
      const magic = (p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0;
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        // A skippable frame: 4 bytes of size, then that many bytes.
        if (p.length < 8) return;
        this.need = (p[4] | (p[5] << 8) | (p[6] << 16) | (p[7] << 24)) >>> 0;
        this.pending = [];
        return;
      }
      if (magic !== MAGIC) throw bad(`the frame magic 28 b5 2f fd, found ${p.slice(0, 4).map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
      const fhd = p[4];
      const single = (fhd >> 5) & 1;
      const headerLen = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + [single, 2, 4, 8][fhd >> 6];
      if (p.length < headerLen) return;
      this.hasChecksum = ((fhd >> 2) & 1) === 1;
      this.blocks = 0;
      this.state = 'block';
      this.pending = [];
    } else if (this.state === 'block') {
      if (p.length < 3) return;
      const h = p[0] | (p[1] << 8) | (p[2] << 16);
      const type = (h >> 1) & 3;
      if (type === 3) throw bad('a block type 0-2, found the reserved type 3');
      this.need = type === 1 ? 1 : h >>> 3;
      this.blocks++;
      this.pending = [];
      this.inBlock = true;
      if (this.need === 0) this.blockEnd(end);
      if (h & 1) {
        if (this.hasChecksum) this.state = 'checksum';
        else this.finish(null);
      }
    } else if (p.length === 4) {
      this.finish((p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0);
    }
  }

  private finish(checksum: number | null): void {
    this.ended.push({ blocks: this.blocks, checksum });
    this.state = 'frame';
    this.pending = [];
  }
}
