// The first layout of the three panes, before the person drags anything: the hex view gets the
// width of its 16-byte rows, the section list the width of all its columns when the window allows
// it (every column header visible from 1400 px), the field pane the rest.

/** Smallest useful widths (px). Below the hex minimum its ASCII column is cut off. */
export const PANE_MIN = { sections: 320, fields: 240, hex: 400 } as const;

/** Width (px) of the hex pane's rows: offset, 16 bytes, ASCII, scrollbar (measured at 12 px mono). */
export const HEX_WIDTH = 536;
/** Width (px) the section table needs for every column at its default size (579), its pane's borders and a 15 px scrollbar. */
export const SECTIONS_WIDTH = 596;
/** Page padding and the two separators (px), see `.workspace` and `.pane-sep` in app.css. */
const CHROME = 2 * 6 + 2 * 6;

/** Percentages of the group's width for `sections`, `fields` and `hex` (they add up to 100). */
export function firstLayout(windowWidth: number): Record<'sections' | 'fields' | 'hex', number> {
  const total = Math.max(windowWidth - CHROME, PANE_MIN.sections + PANE_MIN.fields + PANE_MIN.hex);
  const hex = Math.max(PANE_MIN.hex, Math.min(HEX_WIDTH, total - PANE_MIN.sections - PANE_MIN.fields));
  const rest = total - hex;
  // The section list takes what the field pane can spare, up to its full width, and more than half
  // of a wide window's rest (its Status column shows each problem's message).
  const sections = Math.max(PANE_MIN.sections, Math.min(rest - PANE_MIN.fields, Math.max(SECTIONS_WIDTH, rest * 0.55)));
  const pct = (px: number) => (px / total) * 100;
  return { sections: pct(sections), fields: pct(rest - sections), hex: pct(hex) };
}
