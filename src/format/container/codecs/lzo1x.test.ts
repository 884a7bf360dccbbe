// LZO1X rules that real lzop output (codecs.test.ts) rarely shows: hand-made blocks for the end
// marker, a match reaching before the block and an instruction cut short.
import { describe, expect, it } from 'vitest';
import { lzo1xDecompress, LzoError } from './lzo1x.ts';

const run = (src: number[], size: number) => {
  const dst = new Uint8Array(size);
  lzo1xDecompress(new Uint8Array(src), dst);
  return [...dst];
};

describe('LZO1X', () => {
  it('a first literal run (byte > 17), an M2 match overlapping its output, the 11 00 00 end marker', () => {
    // 0x15 = 17 + 4 literals "abcd"; M2 0x4c: length (0x4c >> 5) + 1 = 3, distance 1 + ((0x4c >> 2) & 7) + 0 = 4.
    expect(run([0x15, 0x61, 0x62, 0x63, 0x64, 0x4c, 0x00, 0x11, 0x00, 0x00], 7)).toEqual([0x61, 0x62, 0x63, 0x64, 0x61, 0x62, 0x63]);
  });

  it('refuses a match before the start of the block, output past its size, and a cut instruction', () => {
    expect(() => run([0x15, 0x61, 0x62, 0x63, 0x64, 0x4c, 0x01, 0x11, 0x00, 0x00], 7)).toThrow(/before the block's start/);
    expect(() => run([0x15, 0x61, 0x62, 0x63, 0x64, 0x11, 0x00, 0x00], 3)).toThrow(LzoError);
    expect(() => run([0x15, 0x61, 0x62], 4)).toThrow(/ends inside an instruction/);
    expect(() => run([0x15, 0x61, 0x62, 0x63, 0x64, 0x11, 0x00, 0x00], 5)).toThrow(/ends after 4 of its 5 bytes/);
  });
});
