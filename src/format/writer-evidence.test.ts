// Each piece of writer evidence alone, on real held-out files of QEMU 7.2, 10.0 and 11.1 (scripts/
// make-fixtures-heldout.mjs) decoded with the packed libraries: the rule keeps the writer and drops
// what its QEMU source comment says it drops. The whole consensus is library-heldout.test.ts's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memorySource } from './byte-source.ts';
import { createLibrary } from './library.ts';
import type { StreamModel } from './model.ts';
import { FIXTURE_DIR, scanBytes } from './testing/fixtures.ts';
import { libraryJsons } from './testing/libraries.ts';
import { WindowReader } from './window-reader.ts';
import { lackingAlwaysSent, missingFrom, neverSentBy, writtenValues } from './writer-evidence.ts';

const ALL = ['11.1', '10.0', '7.2'];
const ppc = createLibrary(libraryJsons('ppc64'));
const s390 = createLibrary(libraryJsons('s390x'));
const bytes = (v: string, m: string) => new Uint8Array(gunzipSync(readFileSync(join(FIXTURE_DIR, 'heldout', `qemu-${v}`, `${m}-devstate.bin.gz`))));
const models = new Map<string, Promise<{ m: StreamModel; b: Uint8Array }>>();
function open(v: string, machine: string) {
  const k = `${v}/${machine}`;
  if (!models.has(k)) {
    const b = bytes(v, machine);
    models.set(k, scanBytes(b, { library: machine === 'pseries' ? ppc : s390 }).then((m) => ({ m, b })));
  }
  return models.get(k)!;
}

describe('writer evidence on real files', { timeout: 120_000 }, () => {
  it.each([['7.2', ['7.2']], ['10.0', ['11.1', '10.0']], ['11.1', ['11.1', '10.0']]] as const)(
    'globalstate byte 36 (has_vm_was_suspended from 9.0 on): the QEMU %s s390x file keeps %j',
    async (v, want) => {
      const { m, b } = await open(v, 's390-ccw-virtio');
      expect(b[m.records.find((r) => r.idstr === 'globalstate')!.dataOffset! + 36]).toBe(v === '7.2' ? 0 : 1);
      expect(await writtenValues(m.records, new WindowReader(memorySource(b)), s390, ALL)).toEqual(want);
    },
  );

  it('a subsection only newer probes sent: 10.0 pseries cpu/bhrb rules out 7.2, 11.1 cpu/rtas_stopped rules out 7.2 and 10.0', async () => {
    expect(neverSentBy((await open('7.2', 'pseries')).m.records, ppc, ALL)).toEqual(ALL);
    expect(neverSentBy((await open('10.0', 'pseries')).m.records, ppc, ALL)).toEqual(['11.1', '10.0']);
    expect(neverSentBy((await open('11.1', 'pseries')).m.records, ppc, ALL)).toEqual(['11.1']);
  });

  it('a subsection every 11.1 pseries probe sent (cpu/rtas_stopped) missing rules out 11.1 only', async () => {
    expect(lackingAlwaysSent((await open('10.0', 'pseries')).m.records, ppc, ALL)).not.toContain('11.1');
    expect(lackingAlwaysSent((await open('10.0', 'pseries')).m.records, ppc, ALL)).toContain('10.0');
    expect(lackingAlwaysSent((await open('11.1', 'pseries')).m.records, ppc, ALL)).toContain('11.1');
  });

  it("a section 11.1's bare s390x machine always writes (s390_control_program_id) missing rules out 11.1", async () => {
    expect(missingFrom((await open('10.0', 's390-ccw-virtio')).m.records, s390, ALL)).toEqual(['10.0', '7.2']);
    expect(missingFrom((await open('11.1', 's390-ccw-virtio')).m.records, s390, ALL)).toEqual(ALL);
  });

  it("QEMU 7.2's own JSON of s390_css (array of pointers, first NULL) is known not to describe its bytes", async () => {
    expect(s390.misdescribed!('s390_css', 1)).toEqual(['7.2']);
    expect(s390.misdescribed!('cpu', 4)).toEqual([]);
    // The 7.2 file's s390_css is framed by 10.0's layout, yet 7.2 stays likely.
    const { m } = await open('7.2', 's390-ccw-virtio');
    expect(m.records.find((r) => r.idstr === 's390_css')!.describedVersions).toEqual(['10.0']);
    expect(m.likelyQemu).toEqual(['7.2']);
  });
});
