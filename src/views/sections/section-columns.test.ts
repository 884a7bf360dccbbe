import { describe, expect, it } from 'vitest';
import { offsetColumnWidth } from './section-columns.ts';

describe('offsetColumnWidth', () => {
  it('keeps the default width up to 9 characters ("0x1f9eeb3")', () => {
    expect(offsetColumnWidth(0)).toBe(73);
    expect(offsetColumnWidth(288_824)).toBe(73);
    expect(offsetColumnWidth(0x1f9eeb4)).toBe(73);
  });
  it('widens for the offsets of a 4 GiB stream ("0xfa8385c0") and beyond, one character at a time', () => {
    expect(offsetColumnWidth(4_203_035_949)).toBe(80);
    expect(offsetColumnWidth(2 ** 36)).toBe(88);
  });
});
