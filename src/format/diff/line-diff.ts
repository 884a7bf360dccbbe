// Which lines of two texts differ (a libvirt image's domain or cookie XML), as a line diff finds
// them: one line inserted (a <description> added) shifts every later line, and a line-by-line
// comparison would report the rest of the XML as changed.

/** One run of changed lines: `removed` from the left text at `leftLine`, `added` at `rightLine` (1-based). */
export interface TextHunk {
  leftLine: number;
  rightLine: number;
  removed: string[];
  added: string[];
}

/**
 * Above this many cells (left lines × right lines between the common head and tail) the middle is
 * one hunk: libvirt's XML is a few hundred lines. Two bytes a cell suffice: the common run is at
 * most the shorter side, under 2,000 lines within this bound.
 */
const MAX_CELLS = 4_000_000;

export function lineHunks(left: string, right: string): TextHunk[] {
  const a = left.split('\n');
  const b = right.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (!x.length && !y.length) return [];
  if (x.length * y.length > MAX_CELLS) return [{ leftLine: head + 1, rightLine: head + 1, removed: x, added: y }];
  // Longest common subsequence from the end: len[i][j] for x[i..], y[j..] (row-major, width m+1).
  const n = x.length;
  const m = y.length;
  const w = m + 1;
  const len = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i * w + j] = x[i] === y[j] ? len[(i + 1) * w + j + 1] + 1 : Math.max(len[(i + 1) * w + j], len[i * w + j + 1]);
    }
  }
  const hunks: TextHunk[] = [];
  let open: TextHunk | null = null;
  let i = 0;
  let j = 0;
  const hunk = () => (open ??= (hunks.push({ leftLine: head + i + 1, rightLine: head + j + 1, removed: [], added: [] }), hunks[hunks.length - 1]));
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      open = null;
      i++;
      j++;
    } else if (j >= m || (i < n && len[(i + 1) * w + j] >= len[i * w + j + 1])) {
      hunk().removed.push(x[i++]);
    } else {
      hunk().added.push(y[j++]);
    }
  }
  return hunks;
}

/** Lines that differ: a replaced line counts once, an inserted or removed line once. */
export function changedLineCount(hunks: readonly TextHunk[]): number {
  return hunks.reduce((s, h) => s + Math.max(h.removed.length, h.added.length), 0);
}
