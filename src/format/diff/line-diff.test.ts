// The line diff of two libvirt XML texts against GNU diff's own (`diff -U0`): the same runs of
// removed and added lines, numbered as diff numbers them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLibvirt } from '../container/libvirt.ts';
import { memorySource } from '../byte-source.ts';
import { libvirtFixture } from '../testing/libvirt-fixtures.ts';
import { containerLines, hunkLines, libvirtDiff, TEXT_HUNK_LINES } from './container-diff.ts';
import { changedLineCount, lineHunks } from './line-diff.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-line-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GNU diff's hunks without context, the two file-name lines left out. */
function gnuDiff(a: string, b: string): string[] {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  const r = spawnSync('diff', ['-U0', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
  expect(r.status).toBe(a === b ? 0 : 1);
  return r.stdout.split('\n').slice(2, -1);
}

const asDiff = (a: string, b: string) => hunkLines({ path: 'libvirt/xml', left: '', right: '', hunks: lineHunks(a, b) }, Infinity).lines;

const xml = (await readLibvirt(memorySource(libvirtFixture('raw.sav'))))!.libvirt!.xml;

describe('line diff of domain XML', () => {
  const edits: [string, (x: string) => string][] = [
    ['the description replaced', (x) => x.replace('vmstate-explorer fixture guest', 'edited with save-image-edit')],
    ['a line inserted (every later line shifts)', (x) => x.replace('  <memory', "  <title>t</title>\n  <memory")],
    ['a line removed', (x) => x.replace("    <memballoon model='none'/>\n", '')],
    ['three runs: replaced, inserted, removed', (x) => x.replace('qemu64', 'Nehalem').replace('  <clock', '  <!-- c -->\n  <clock').replace('  <on_crash>destroy</on_crash>\n', '')],
    ['the first and last lines', (x) => `<!-- head -->\n${x.replace('</domain>', '</domain><!-- tail -->')}`],
    ['all of it', () => '<domain/>\n'],
  ];
  it.each(edits)('%s: the runs GNU diff finds', (_, edit) => {
    const other = edit(xml);
    expect(asDiff(xml, other)).toEqual(gnuDiff(xml, other));
  });

  it('counts a replaced line once; a long text past the table bound is one run', () => {
    expect(changedLineCount(lineHunks(xml, edits[0][1](xml)))).toBe(1);
    expect(changedLineCount(lineHunks(xml, edits[1][1](xml)))).toBe(1);
    const a = Array.from({ length: 2500 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 2500 }, (_, i) => (i % 2 ? `a${i}` : `b${i}`)).join('\n');
    const h = lineHunks(a, b);
    expect(h.map((x) => [x.leftLine, x.removed.length, x.added.length])).toEqual([[1, 2499, 2499]]);
    expect(hunkLines({ path: 'libvirt/xml', left: '', right: '', hunks: h }, 10)).toEqual({ lines: expect.any(Array), more: 1 + 2 * 2499 - 10 });
  });

  it("diff's text prints a text's changed lines under its line, bounded, the rest counted", () => {
    const added = Array.from({ length: 60 }, (_, i) => `  <x n='${i}'/>`);
    const hunks = [{ leftLine: 5, rightLine: 5, removed: [], added }];
    const out = containerLines([{ path: 'libvirt/xml', left: '(absent)', right: added[0], line: 5, lines: 60, hunks }]);
    expect(out[0]).toBe(`libvirt/xml: line 5: (absent) -> ${added[0]} (60 lines differ)`);
    expect(out[1]).toBe('  @@ -4,0 +5,60 @@');
    expect(out.slice(2, TEXT_HUNK_LINES + 1)).toEqual(added.slice(0, TEXT_HUNK_LINES - 1).map((l) => `  +${l}`));
    expect(out.slice(TEXT_HUNK_LINES + 1)).toEqual([`  … ${60 - (TEXT_HUNK_LINES - 1)} more line(s) (--json has them all)`]);
    expect(containerLines([{ path: 'libvirt/was_running', left: 'false', right: 'true' }])).toEqual(['libvirt/was_running: false -> true']);
  });

  it('libvirtDiff: was_running as a bool, compression by name, the XML and cookie runs', async () => {
    const raw = (await readLibvirt(memorySource(libvirtFixture('raw.sav'))))!;
    const lv = raw.libvirt!;
    const other = { ...raw, libvirt: { ...lv, header: { ...lv.header, wasRunning: 1, format: 1 }, xml: edits[1][1](lv.xml), cookie: lv.cookie!.replace('<cpu', '<cpu x="1"') } };
    const d = libvirtDiff(raw, other);
    expect(d.map((x) => [x.path, x.left, x.right, x.lines])).toEqual([
      ['libvirt/was_running', 'false', 'true', undefined],
      ['libvirt/compressed', 'raw (0)', 'gzip (1)', undefined],
      ['libvirt/xml', '(absent)', '<title>t</title>', 1],
      ['libvirt/cookie', expect.stringContaining('<cpu'), expect.stringContaining('<cpu x="1"'), 1],
    ]);
    expect(libvirtDiff(raw, other, ['libvirt/xml', 'libvirt/cookie', 'libvirt/compressed', 'libvirt/was_running'])).toEqual([]);
  });
});
