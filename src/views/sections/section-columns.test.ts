import { describe, expect, it } from 'vitest';
import { offsetColumnWidth, sizeColumnWidth } from './section-columns.ts';

// Widths measured in Chromium for these strings in the table's text (see section-columns.ts):
// "0xfa8385c0" 72.3 px, "0x1fa8385c0" 79.5 px, "4,202,954,189" 87.8 px, plus 8 px of padding.
describe('column widths for the figures shown', () => {
  it('keep the defaults for offsets up to "0x1f9eeb3" and sizes up to "136,099"', () => {
    expect(offsetColumnWidth(0)).toBe(73);
    expect(offsetColumnWidth(0x1f9eeb3)).toBe(73);
    expect(sizeColumnWidth(0)).toBe(58);
    expect(sizeColumnWidth(136_099)).toBe(58);
  });
  it('widen for the offsets and sizes of a 4 GiB stream and beyond', () => {
    expect(offsetColumnWidth(0xfa8385c0)).toBeGreaterThanOrEqual(72.3 + 8);
    expect(offsetColumnWidth(0x1fa8385c0)).toBeGreaterThanOrEqual(79.5 + 8);
    expect(sizeColumnWidth(4_202_954_189)).toBeGreaterThanOrEqual(87.8 + 8);
  });
});
