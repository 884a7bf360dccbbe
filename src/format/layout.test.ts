// The layouts the fixture scripts recorded in public/fixtures/manifest.json (QEMU 7.2),
// public/fixtures/qemu10/manifest.json and qemu11/manifest.json agree with the decoder record for
// record. They were found by the scripts' own walker (scripts/lib/stream.mjs), which shares
// no code with src/format and never guesses an end: section sizes come from the vmdesc JSON and
// each section must meet its footer exactly there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StreamModel, StreamRecord } from './model.ts';
import { FIXTURE_DIR, fixtureBytes, fixtureDescription, scanBytes } from './testing/fixtures.ts';

interface LayoutRecord {
  type: 'START' | 'PART' | 'END' | 'FULL' | 'COMMAND' | 'EOF';
  offset: number;
  depth?: number;
  sectionId?: number;
  idstr?: string;
  instanceId?: number;
  version?: number;
  dataOffset?: number;
  dataLength?: number;
  cmd?: number;
  len?: number;
}
interface Layout {
  configuration: { offset: number; end: number } | null;
  records: LayoutRecord[];
  sections: [number, string, number, number, number][];
  fullSections: number;
  footers: boolean;
  eofOffset: number;
  vmdesc: { offset: number; jsonOffset: number; jsonLength: number } | null;
}
interface Entry { file: string; describedBy?: string | null; eofOffset?: number; vmdescJsonLength?: number; layout: Layout }

const read = (dir: string): Entry[] => JSON.parse(readFileSync(join(FIXTURE_DIR, dir, 'manifest.json'), 'utf8')).fixtures;
const cases = [
  ...read('').map((e) => ({ dir: '', ...e })),
  ...read('qemu10').map((e) => ({ dir: 'qemu10', ...e })),
  ...read('qemu11').map((e) => ({ dir: 'qemu11', ...e })),
];

/** One comparable line per top-level thing, from the manifest's layout. */
function fromLayout(l: Layout): string[] {
  const out: string[] = [];
  if (l.configuration) out.push(`CONFIGURATION ${l.configuration.offset}..${l.configuration.end}`);
  const sectionLine = (type: string, r: LayoutRecord) =>
    `${type} @${r.offset} d${r.depth ?? 0} id=${r.sectionId ?? '-'} ${r.idstr} ${r.instanceId ?? '-'} v${r.version ?? '-'} data ${r.dataOffset}+${r.dataLength}`;
  for (const r of l.records) {
    if (r.type === 'COMMAND') out.push(`COMMAND @${r.offset} d${r.depth ?? 0} cmd=${r.cmd} len=${r.len}`);
    else if (r.type === 'EOF') out.push(`EOF @${r.offset} d${r.depth ?? 0}`);
    else out.push(sectionLine(r.type, r));
  }
  for (const [offset, idstr, instanceId, version, dataLength] of l.sections) {
    out.push(`FULL @${offset} ${idstr} ${instanceId} v${version} data ${dataLength}`);
  }
  out.push(`EOF @${l.eofOffset} d0`);
  if (l.vmdesc) out.push(`VMDESC @${l.vmdesc.offset} json ${l.vmdesc.jsonOffset}+${l.vmdesc.jsonLength}`);
  return out.sort();
}

/** The same lines from the decoder's model; the section lines without the section id for FULL. */
function fromModel(m: StreamModel): string[] {
  const out: string[] = [];
  const type = (r: StreamRecord) => ({ start: 'START', part: 'PART', end: 'END', full: 'FULL' })[r.sectionType!];
  for (const r of m.records) {
    if (r.kind === 'configuration') out.push(`CONFIGURATION ${r.offset}..${r.offset + r.size}`);
    else if (r.kind === 'command') out.push(`COMMAND @${r.offset} d${r.depth} cmd=${r.command!.cmd} len=${r.command!.length}`);
    else if (r.kind === 'eof') out.push(`EOF @${r.offset} d${r.depth}`);
    else if (r.kind === 'vmdesc') out.push(`VMDESC @${r.offset} json ${r.offset + 5}+${r.size - 5}`);
    else if (r.kind === 'section' && r.sectionType === 'full') {
      out.push(`FULL @${r.offset} ${r.idstr} ${r.instanceId} v${r.versionId} data ${r.dataSize}`);
    } else if (r.kind === 'section') {
      const header = r.sectionType === 'start' ? `${r.idstr} ${r.instanceId} v${r.versionId}` : `${r.idstr} - v-`;
      out.push(`${type(r)} @${r.offset} d${r.depth} id=${r.sectionId} ${header} data ${r.dataOffset}+${r.dataSize}`);
    }
  }
  return out.sort();
}

describe.each(cases)('$dir/$file', (fx) => {
  it('the decoder finds every record where the manifest\'s layout puts it', async () => {
    const bytes = fixtureBytes(join(fx.dir, fx.file));
    const describedBy = fx.describedBy && fx.describedBy !== fx.file ? join(fx.dir, fx.describedBy) : null;
    const m = await scanBytes(bytes, describedBy ? { vmdesc: await fixtureDescription(describedBy) } : {});
    expect(fromLayout(fx.layout).length).toBeGreaterThan(fx.layout.fullSections);
    expect(fromModel(m)).toEqual(fromLayout(fx.layout));
  });

  it('every section ends with its footer exactly where its data ends (or has none, as recorded)', async () => {
    const bytes = fixtureBytes(join(fx.dir, fx.file));
    const describedBy = fx.describedBy && fx.describedBy !== fx.file ? join(fx.dir, fx.describedBy) : null;
    const m = await scanBytes(bytes, describedBy ? { vmdesc: await fixtureDescription(describedBy) } : {});
    expect(m.footers).toBe(fx.layout.footers);
    for (const r of m.records.filter((x) => x.kind === 'section')) {
      const dataEnd = r.dataOffset! + r.dataSize!;
      if (fx.layout.footers) expect([r.footerOffset, r.offset + r.size], r.idstr).toEqual([dataEnd, dataEnd + 5]);
      else expect([r.footerOffset, r.offset + r.size], r.idstr).toEqual([undefined, dataEnd]);
    }
  });
});

describe.each(read('').map((e) => ({ ...e })))('QEMU 7.2 manifest facts of $file', (fx) => {
  it('eofOffset and vmdescJsonLength are where the decoder finds the EOF and the description', async () => {
    const m = await scanBytes(fixtureBytes(fx.file));
    const eof = m.records.filter((r) => r.kind === 'eof' && r.depth === 0);
    expect(eof.map((r) => r.offset)).toEqual([fx.eofOffset]);
    const vmdesc = m.records.find((r) => r.kind === 'vmdesc');
    expect(vmdesc ? vmdesc.size - 5 : 0).toBe(fx.vmdescJsonLength);
    if (vmdesc) expect(vmdesc.offset + vmdesc.size).toBe(m.fileSize);
  });
});
