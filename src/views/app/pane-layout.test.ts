import { describe, expect, it } from 'vitest';
import { SECTION_COLUMNS } from '../sections/section-columns.ts';
import { firstLayout, HEX_WIDTH, PANE_MIN, SECTIONS_WIDTH } from './pane-layout.ts';

const CHROME = 24;
const px = (pct: number, w: number) => (pct / 100) * (w - CHROME);

describe('first pane layout', () => {
  for (const w of [800, 1024, 1280, 1366, 1400, 1500, 1920, 2560, 3840]) {
    it(`at ${w} px adds up to 100% and keeps every pane at its minimum or more`, () => {
      const l = firstLayout(w);
      expect(l.sections + l.fields + l.hex).toBeCloseTo(100, 6);
      const total = Math.max(w - CHROME, PANE_MIN.sections + PANE_MIN.fields + PANE_MIN.hex);
      for (const k of ['sections', 'fields', 'hex'] as const) expect((l[k] / 100) * total).toBeGreaterThanOrEqual(PANE_MIN[k] - 1e-6);
    });
  }

  it('gives the section list its full width from 1400 px and the hex view its rows', () => {
    // The columns' default sizes, the pane's two 1 px borders and a 15 px desktop scrollbar.
    expect(SECTION_COLUMNS.reduce((sum, c) => sum + (c.size ?? 0), 0) + 2 + 15).toBeLessThanOrEqual(SECTIONS_WIDTH);
    for (const w of [1400, 1500]) expect(px(firstLayout(w).sections, w)).toBeGreaterThanOrEqual(SECTIONS_WIDTH - 1e-6);
    expect(px(firstLayout(1500).hex, 1500)).toBeCloseTo(HEX_WIDTH, 6);
    expect(px(firstLayout(1280).sections, 1280)).toBeLessThan(SECTIONS_WIDTH);
  });

  it('shares a wide window between the section list and the fields instead of the hex view', () => {
    const l = firstLayout(2560);
    expect(px(l.hex, 2560)).toBeCloseTo(HEX_WIDTH, 6);
    expect(px(l.sections, 2560)).toBeGreaterThan(SECTIONS_WIDTH);
    expect(px(l.fields, 2560)).toBeGreaterThan(PANE_MIN.fields * 2);
  });
});
