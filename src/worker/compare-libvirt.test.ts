// The page's comparison of two libvirt save images (issue #11): raw.sav (real libvirt 9.0) against
// a copy the CLI's own `set` made with was_running and the <description> changed, the edit
// `virsh save-image-edit --running` makes. The streams are the same bytes, so only the container
// differs: the worker reports it through format/diff/container-diff.ts, as `diff` does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR } from '../format/testing/fixtures.ts';
import { recompressedImage } from '../format/testing/libvirt-fixtures.ts';
import { wholeEqual } from '../format/diff/text.ts';
import { Session } from './session.ts';
import { appliedFile, ask } from './test-support.ts';

const BIN = join(import.meta.dirname, '../../bin/vmstate-explorer.js');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-compare-libvirt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const raw = join(FIXTURE_DIR, 'libvirt/raw.sav');
const blob = (path: string) => new Blob([readFileSync(path)]);

/** raw.sav with was_running=1 and another description, written by `set`. */
function edited(): { path: string; xml: string; line: number } {
  const xml = cli('xml', raw).stdout;
  const other = xml.replace('<description>vmstate-explorer fixture guest</description>', '<description>edited before restore</description>');
  expect(other).not.toBe(xml);
  writeFileSync(join(dir, 'other.xml'), other);
  const path = join(dir, 'edited.sav');
  expect(cli('set', raw, 'libvirt/was_running=1', `libvirt/xml=@${join(dir, 'other.xml')}`, '-o', path).status).toBe(0);
  return { path, xml, line: xml.split('\n').findIndex((l) => l.includes('<description>')) + 1 };
}

describe('comparing two libvirt images in the worker', { timeout: 60_000 }, () => {
  it('names was_running and the XML change when the streams are the same; an edit in the page and "Compare again" follow it', async () => {
    const e = edited();
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: blob(raw), name: 'raw.sav' });
    const c = await ask(s, { type: 'compare', generation: opened.generation, file: blob(e.path), name: 'edited.sav', ignore: [] });
    // The devices and RAM agree: before, the page read "same device state" and nothing else.
    expect([c.result.equal, c.result.ram?.differing]).toEqual([true, 0]);
    expect(c.result.container).toEqual([
      { path: 'libvirt/was_running', left: 'false', right: 'true' },
      {
        path: 'libvirt/xml', left: '<description>vmstate-explorer fixture guest</description>', right: '<description>edited before restore</description>', line: e.line, lines: 1,
        hunks: [{ leftLine: e.line, rightLine: e.line, removed: ['  <description>vmstate-explorer fixture guest</description>'], added: ['  <description>edited before restore</description>'] }],
      },
    ]);
    expect(wholeEqual(c.result)).toBe(false);
    // The ignore list covers these paths as the CLI's --ignore does.
    expect((await ask(s, { type: 'recompare', generation: opened.generation, ignore: ['libvirt/xml'] })).result.container!.map((d) => d.path)).toEqual(['libvirt/was_running']);
    // The open file's was_running set in the page: compared again, only the XML is left.
    const after = appliedFile(await ask(s, { type: 'edit', generation: opened.generation, edit: { kind: 'container', path: 'libvirt/was_running', value: 'true' }, force: false }));
    const again = await ask(s, { type: 'recompare', generation: after.generation, ignore: [] });
    expect(again.result.container!.map((d) => d.path)).toEqual(['libvirt/xml']);
  });

  it('an image against itself: an empty list (they agree); a bare stream against an image: none', async () => {
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: blob(raw), name: 'raw.sav' });
    const same = await ask(s, { type: 'compare', generation: opened.generation, file: blob(raw), name: 'raw.sav', ignore: [] });
    expect([same.result.container, wholeEqual(same.result)]).toEqual([[], true]);
    const bytes = readFileSync(raw);
    const bare = bytes.subarray(92 + bytes.readUInt32LE(20));
    const stream = await ask(s, { type: 'compare', generation: opened.generation, file: new Blob([bare]), name: 'stream.bin', ignore: [] });
    expect([stream.result.container, wholeEqual(stream.result)]).toEqual([undefined, true]);
  });

  it('the same stream through the real gzip (compressed = 1): only the compression format differs', async () => {
    const s = new Session();
    const opened = await ask(s, { type: 'open', file: blob(raw), name: 'raw.sav' });
    const gz = recompressedImage('gzip');
    const c = await ask(s, { type: 'compare', generation: opened.generation, file: new Blob([gz as Uint8Array<ArrayBuffer>]), name: 'gzip.sav', ignore: [] });
    expect([c.result.equal, c.result.ram?.differing, c.result.container, wholeEqual(c.result)]).toEqual([true, 0, [{ path: 'libvirt/compressed', left: 'raw (0)', right: 'gzip (1)' }], false]);
  });
});
